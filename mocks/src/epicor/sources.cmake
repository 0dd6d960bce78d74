# The Epicor Kinetic emulator (km_epicor_type, name "epicor").
set(KM_EPICOR_DIR ${CMAKE_CURRENT_LIST_DIR})
add_library(km_epicor STATIC
  ${KM_EPICOR_DIR}/act.c
  ${KM_EPICOR_DIR}/act_purchasing.c
  ${KM_EPICOR_DIR}/auth.c
  ${KM_EPICOR_DIR}/baq_efx.c
  ${KM_EPICOR_DIR}/bpm.c
  ${KM_EPICOR_DIR}/config.c
  ${KM_EPICOR_DIR}/defs.c
  ${KM_EPICOR_DIR}/emulator.c
  ${KM_EPICOR_DIR}/generated.c
  ${KM_EPICOR_DIR}/job_acts.c
  ${KM_EPICOR_DIR}/job_events.c
  ${KM_EPICOR_DIR}/job_generate.c
  ${KM_EPICOR_DIR}/job_labor.c
  ${KM_EPICOR_DIR}/jobs.c
  ${KM_EPICOR_DIR}/metadata.c
  ${KM_EPICOR_DIR}/method_params.c
  ${KM_EPICOR_DIR}/methods.c
  ${KM_EPICOR_DIR}/methods_other.c
  ${KM_EPICOR_DIR}/methods_purchasing.c
  ${KM_EPICOR_DIR}/methods_sales.c
  ${KM_EPICOR_DIR}/odata_expand.c
  ${KM_EPICOR_DIR}/odata_filter.c
  ${KM_EPICOR_DIR}/openapi.c
  ${KM_EPICOR_DIR}/odata_literal.c
  ${KM_EPICOR_DIR}/odata_query.c
  ${KM_EPICOR_DIR}/odata_routes.c
  ${KM_EPICOR_DIR}/odata_run.c
  ${KM_EPICOR_DIR}/permissions.c
  ${KM_EPICOR_DIR}/rows.c
  ${KM_EPICOR_DIR}/services_extra.c
  ${KM_EPICOR_DIR}/tablesets.c
  ${KM_EPICOR_DIR}/tables.c
  ${KM_EPICOR_DIR}/update.c)
# common/crypto.h (mocks/src): the emulators' OpenSSL wrappers.
target_include_directories(km_epicor PUBLIC ${KM_EPICOR_DIR}
                           PRIVATE ${KM_EPICOR_DIR}/..)
target_link_libraries(km_epicor PUBLIC km_common m)
list(APPEND KM_EMULATORS km_epicor)
