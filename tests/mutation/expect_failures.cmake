# Runs `kinsync check` with a mutated connector and checks that exactly the
# scenarios that depend on the mutated behaviour fail, each with a readable
# reason. Variables: KINSYNC (the program), MUTATION, SCENARIOS (a dir),
# FIXTURES, MUST_FAIL and MUST_PASS (;-lists of scenario file stems) and
# REASON (text the explanation of every MUST_FAIL scenario must contain).
execute_process(
  COMMAND ${KINSYNC} check --mutate ${MUTATION} --fixtures ${FIXTURES}
          ${SCENARIOS}
  RESULT_VARIABLE status
  OUTPUT_VARIABLE out
  ERROR_VARIABLE err
  TIMEOUT 300)
if(NOT status EQUAL 1)
  message(FATAL_ERROR "expected exit status 1 from the mutated run, got "
                      "${status}\n${out}\n${err}")
endif()
foreach(stem ${MUST_FAIL})
  if(NOT out MATCHES "\nFAIL [^\n]*/${stem}\\.json")
    message(FATAL_ERROR "${stem} should fail under ${MUTATION}:\n${out}")
  endif()
  string(REGEX MATCH "--- FAIL: [^\n]*/${stem}\\.json[^\n]*\n[^-]*" block
         "${out}")
  string(FIND "${block}" "${REASON}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "the failure of ${stem} does not say \"${REASON}\":\n"
                        "${block}")
  endif()
endforeach()
foreach(stem ${MUST_PASS})
  if(NOT out MATCHES "\nPASS [^\n]*/${stem}\\.json")
    message(FATAL_ERROR "${stem} should still pass under ${MUTATION}:\n"
                        "${out}")
  endif()
endforeach()
message(STATUS "mutation ${MUTATION}: the expected scenarios failed")
