# ctest fixtures that run a database (redis-server with the insitu module) for tests that are not
# C++ (C, Fortran, Python): started by a FIXTURES_SETUP test, always stopped by a FIXTURES_CLEANUP
# test. Tests of one fixture share its server, so they hold a RESOURCE_LOCK on it and run one at a
# time; different fixtures run in parallel.
set(INSITU_DB_FIXTURE_SCRIPT ${CMAKE_CURRENT_LIST_DIR}/db_fixture.sh)

# insitu_db_fixture(<name> standalone|cluster [auth]): `auth` makes every server require a
# password and adds ACL users (see db_fixture.sh); its tests get SR_DB_PASSWORD_FILE.
function(insitu_db_fixture name mode)
  set(dir ${CMAKE_BINARY_DIR}/test-db/${name})
  add_test(NAME ${name}_start COMMAND ${INSITU_DB_FIXTURE_SCRIPT} start ${dir}
    $<TARGET_FILE:insitu_ai> ${mode} ${ARGN})
  add_test(NAME ${name}_stop COMMAND ${INSITU_DB_FIXTURE_SCRIPT} stop ${dir})
  set_tests_properties(${name}_start PROPERTIES FIXTURES_SETUP ${name} LABELS bindings)
  set_tests_properties(${name}_stop PROPERTIES FIXTURES_CLEANUP ${name} LABELS bindings)
endfunction()

# insitu_db_test(<test name> <fixture> <command...>): runs the command with SSDB and SR_DB_TYPE
# pointing at the fixture's database.
function(insitu_db_test name fixture)
  add_test(NAME ${name} COMMAND ${INSITU_DB_FIXTURE_SCRIPT} run ${CMAKE_BINARY_DIR}/test-db/${fixture}
    ${ARGN})
  set_tests_properties(${name} PROPERTIES FIXTURES_REQUIRED ${fixture} RESOURCE_LOCK ${fixture}
    LABELS bindings TIMEOUT 300)
endfunction()
