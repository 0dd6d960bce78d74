# Debian packages with CPack (`ci/package`, or `cpack -G DEB` in a build
# tree): one per install component.
#   kinsync         the program, its scenarios, fixtures, man page and
#                   bash completion (component bin)
#   libkinsync0     the shared library (component lib)
#   libkinsync-dev  headers, libkinsync.a, the CMake package and
#                   kinsync.pc (component dev)
# Run-time dependencies are computed by dpkg-shlibdeps (package dpkg-dev);
# the development package names the -dev packages of what kinsync.pc
# requires.
set(CPACK_PACKAGE_NAME kinsync)
set(CPACK_PACKAGE_VENDOR "kinsync")
set(KS_PACKAGE_MAINTAINER "kinsync maintainers <kinsync@localhost>"
    CACHE STRING "The Maintainer field of the Debian packages")
set(CPACK_PACKAGE_CONTACT "${KS_PACKAGE_MAINTAINER}")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "Epicor Kinetic to BigCommerce and WooCommerce connector")
# The packages install where the build was configured to (ci/package uses
# /usr), so kinsync.pc and the program's data paths agree with them.
set(CPACK_PACKAGING_INSTALL_PREFIX "${CMAKE_INSTALL_PREFIX}")
set(CPACK_GENERATOR DEB)
set(CPACK_STRIP_FILES ON)
set(CPACK_COMPONENTS_ALL bin lib dev)
set(CPACK_DEB_COMPONENT_INSTALL ON)

set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION devel)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
set(CPACK_DEBIAN_ENABLE_COMPONENT_DEPENDS ON)

set(CPACK_DEBIAN_BIN_PACKAGE_NAME kinsync)
set(CPACK_DEBIAN_BIN_PACKAGE_SECTION utils)
set(CPACK_COMPONENT_BIN_DESCRIPTION
    "Epicor Kinetic to storefront connector and conformance harness
 kinsync moves parts, prices and stock from Epicor Kinetic to BigCommerce
 and WooCommerce, and brings web orders, shoppers and refunds back. It
 also runs stateful emulators of the three platforms and a suite of
 scenarios that any integration can be graded against.")

set(CPACK_DEBIAN_LIB_PACKAGE_NAME libkinsync${PROJECT_VERSION_MAJOR})
set(CPACK_DEBIAN_LIB_PACKAGE_SECTION libs)
# A shlibs file, and ldconfig as a trigger (CPack's default postinst and
# postrm would call it directly).
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS ON)
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS_POLICY ">=")
set(CPACK_DEBIAN_LIB_PACKAGE_CONTROL_EXTRA
    ${PROJECT_SOURCE_DIR}/cmake/debian/triggers
    ${PROJECT_SOURCE_DIR}/cmake/debian/postinst
    ${PROJECT_SOURCE_DIR}/cmake/debian/postrm)
set(CPACK_DEBIAN_LIB_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_COMPONENT_LIB_DESCRIPTION
    "Epicor Kinetic to storefront connector library
 libkinsync is the C library behind kinsync: clients for Epicor Kinetic,
 BigCommerce and WooCommerce, a durable state store (SQLite, or
 PostgreSQL through libpq for many workers) and the sync
 flows between them.")

set(CPACK_DEBIAN_DEV_PACKAGE_NAME libkinsync-dev)
set(CPACK_DEBIAN_DEV_PACKAGE_SECTION libdevel)
set(CPACK_COMPONENT_DEV_DEPENDS lib)
set(CPACK_DEBIAN_DEV_PACKAGE_DEPENDS
    "libcjson-dev, libcurl4-openssl-dev | libcurl-dev, libsqlite3-dev, libpq-dev, libssl-dev")
set(CPACK_COMPONENT_DEV_DESCRIPTION
    "Epicor Kinetic to storefront connector library (development files)
 The headers, the static library, the CMake package (find_package(kinsync),
 target kinsync::kinsync) and the pkg-config file of libkinsync.")

# Each package's changelog.Debian.gz (Debian policy 12.7; packages only,
# not `cmake --install`), dated from
# SOURCE_DATE_EPOCH when set, so that a rebuild gives the same bytes.
string(TIMESTAMP KS_DEB_DATE "%a, %d %b %Y %H:%M:%S +0000" UTC)
foreach(comp bin lib dev)
  string(TOUPPER ${comp} COMP)
  set(KS_DEB_PACKAGE ${CPACK_DEBIAN_${COMP}_PACKAGE_NAME})
  set(dir ${CMAKE_CURRENT_BINARY_DIR}/debian/${KS_DEB_PACKAGE})
  configure_file(${PROJECT_SOURCE_DIR}/cmake/debian/changelog.in
                 ${dir}/changelog.Debian @ONLY)
  add_custom_command(OUTPUT ${dir}/changelog.Debian.gz
    COMMAND gzip -9 -n -f -k ${dir}/changelog.Debian
    DEPENDS ${dir}/changelog.Debian VERBATIM)
  list(APPEND ks_changelogs ${dir}/changelog.Debian.gz)
  install(FILES ${dir}/changelog.Debian.gz
          DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/doc/${KS_DEB_PACKAGE}
          COMPONENT ${comp} EXCLUDE_FROM_ALL)
endforeach()
add_custom_target(kinsync_changelogs ALL DEPENDS ${ks_changelogs})

include(CPack)
