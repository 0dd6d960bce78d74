# Runs `kinsync check` on one scenario and checks its exit status and that
# the output says each of the given strings. Variables: KINSYNC (the
# program), SCENARIO (a file), FIXTURES, STATUS (0: it must pass, 1: fail)
# and MUST_SAY (a ;-list of strings the output must contain).
execute_process(
  COMMAND ${KINSYNC} check --fixtures ${FIXTURES} ${SCENARIO}
  RESULT_VARIABLE status
  OUTPUT_VARIABLE out
  ERROR_VARIABLE err
  TIMEOUT 120)
if(NOT status EQUAL STATUS)
  message(FATAL_ERROR "expected exit status ${STATUS} from ${SCENARIO}, got "
                      "${status}\n${out}\n${err}")
endif()
foreach(text ${MUST_SAY})
  string(FIND "${out}" "${text}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "the run of ${SCENARIO} does not say \"${text}\":\n"
                        "${out}\n${err}")
  endif()
endforeach()
