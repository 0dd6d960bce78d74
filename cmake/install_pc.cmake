# Run by `cmake --install` (and CPack): writes kinsync.pc for the prefix
# being installed to and installs it. Set by the caller: KS_PC_IN,
# KS_PC_OUT, KS_LIBDIR, KS_INCLUDEDIR (as GNUInstallDirs gave them),
# PROJECT_VERSION.
set(KS_PC_PREFIX "${CMAKE_INSTALL_PREFIX}")
foreach(dir LIBDIR INCLUDEDIR)
  if(IS_ABSOLUTE "${KS_${dir}}")
    set(KS_PC_${dir} "${KS_${dir}}")
  else()
    set(KS_PC_${dir} "\${prefix}/${KS_${dir}}")
  endif()
endforeach()
configure_file("${KS_PC_IN}" "${KS_PC_OUT}" @ONLY)
if(IS_ABSOLUTE "${KS_LIBDIR}")
  set(pcdir "${KS_LIBDIR}/pkgconfig")
else()
  set(pcdir "${CMAKE_INSTALL_PREFIX}/${KS_LIBDIR}/pkgconfig")
endif()
file(INSTALL "${KS_PC_OUT}" DESTINATION "${pcdir}")
