# Installation: a complete, relocatable tree (every RPATH is $ORIGIN-relative, the CMake package
# and the pkg-config files derive the prefix from their own location), and the .deb (cpack -G DEB).
#
#   bin/insitu                                   the CLI                  RPATH -> lib
#   lib/libinsitu_{client,launch,c,fortran}.so   the libraries            RPATH -> lib
#   lib/insitu/libinsitu_ai.so                   the Redis module
#   lib/insitu/backends/libinsitu_backend_*.so   plugins (the module's default BACKENDSPATH)
#   lib/insitu/runtime/                          ONNX Runtime, TFLite (no Debian package)
#   lib/python3/dist-packages/insitu/            the Python package (its libraries: symlinks)
#   share/insitu/python/insitu-*.whl             the same package as a wheel, for pip (offline)
#   include/insitu/, include/insitu/fortran/     C/C++ headers, Fortran .mod files
#   lib/cmake/insitu/, lib/pkgconfig/            find_package(insitu), insitu{,-c,-fortran}.pc
include(CMakePackageConfigHelpers)

set(INSITU_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/insitu)
set(INSITU_MODULE_DIR ${CMAKE_INSTALL_LIBDIR}/insitu)
set(INSITU_PLUGIN_DIR ${INSITU_MODULE_DIR}/backends)
set(INSITU_RUNTIME_DIR ${INSITU_MODULE_DIR}/runtime)
set(INSITU_FORTRAN_MOD_DIR ${CMAKE_INSTALL_INCLUDEDIR}/insitu/fortran)
# Debian's python3 searches <prefix>/lib/python3/dist-packages (with prefix /usr, no PYTHONPATH).
set(INSITU_INSTALL_PYTHONDIR lib/python3/dist-packages CACHE STRING
    "Where the Python package is installed, relative to the prefix")

# insitu_install_rpath(<target> <installed in> <dir>...): RUNPATH $ORIGIN/<relative path to each dir>.
function(insitu_install_rpath target from)
  set(rpath)
  foreach(to ${ARGN})
    file(RELATIVE_PATH rel /${from} /${to})
    string(REGEX REPLACE "/$" "" rel "${rel}")
    if(rel STREQUAL "")
      list(APPEND rpath "$ORIGIN")
    else()
      list(APPEND rpath "$ORIGIN/${rel}")
    endif()
  endforeach()
  set_target_properties(${target} PROPERTIES INSTALL_RPATH "${rpath}")
endfunction()

install(DIRECTORY include/insitu DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})

# redis-server refuses a module file without execute permission.
set(insitu_exec_perms OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
insitu_install_rpath(insitu_ai ${INSITU_MODULE_DIR} ${CMAKE_INSTALL_LIBDIR})
install(TARGETS insitu_ai LIBRARY DESTINATION ${INSITU_MODULE_DIR} PERMISSIONS ${insitu_exec_perms})

# Backend plugins, and the frameworks that no Debian package provides, installed under the soname
# the plugins ask for.
foreach(b torch onnx tflite tf)
  if(TARGET insitu_backend_${b})
    insitu_install_rpath(insitu_backend_${b} ${INSITU_PLUGIN_DIR} ${INSITU_RUNTIME_DIR})
    install(TARGETS insitu_backend_${b} LIBRARY DESTINATION ${INSITU_PLUGIN_DIR})
  endif()
endforeach()
function(insitu_install_runtime lib)
  file(REAL_PATH ${lib} real)
  execute_process(COMMAND ${CMAKE_READELF} -d ${real} OUTPUT_VARIABLE dyn RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0 OR NOT dyn MATCHES "Library soname: \\[([^]]+)\\]")
    message(FATAL_ERROR "cannot read the SONAME of ${real} (readelf: ${CMAKE_READELF})")
  endif()
  install(FILES ${real} DESTINATION ${INSITU_RUNTIME_DIR} RENAME ${CMAKE_MATCH_1}
    PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
endfunction()
if(TARGET insitu_backend_onnx)
  insitu_install_runtime(${INSITU_ORT_LIBRARY})
endif()
if(TARGET insitu_backend_tflite)
  insitu_install_runtime(${INSITU_TFLITE_LIBRARY})
endif()
if(IS_DIRECTORY ${INSITU_DEPS_PREFIX}/share/licenses)
  install(DIRECTORY ${INSITU_DEPS_PREFIX}/share/licenses/ DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/insitu/licenses)
endif()

if(NOT TARGET insitu_client)
  return()
endif()

# Libraries and the CLI. The launch library finds the module and the CLI relative to itself
# (src/launch/os/install_paths.cpp), so programs linked to an installed tree need no INSITU_MODULE.
set_target_properties(insitu_client PROPERTIES EXPORT_NAME client)
set(insitu_exported insitu_client)
target_compile_features(insitu_client INTERFACE cxx_std_20)
foreach(t insitu_launch insitu_c insitu_fortran)
  if(TARGET ${t})
    string(REPLACE "insitu_" "" name ${t})
    set_target_properties(${t} PROPERTIES EXPORT_NAME ${name})
    insitu_install_rpath(${t} ${CMAKE_INSTALL_LIBDIR} ${CMAKE_INSTALL_LIBDIR})
    list(APPEND insitu_exported ${t})
  endif()
endforeach()
if(TARGET insitu_launch)
  target_include_directories(insitu_launch INTERFACE $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
endif()
if(TARGET insitu_fortran)
  target_include_directories(insitu_fortran INTERFACE $<INSTALL_INTERFACE:${INSITU_FORTRAN_MOD_DIR}>)
  install(DIRECTORY ${CMAKE_BINARY_DIR}/fortran-modules/ DESTINATION ${INSITU_FORTRAN_MOD_DIR}
    FILES_MATCHING PATTERN "*.mod")
endif()
install(TARGETS ${insitu_exported} EXPORT insituTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
if(TARGET insitu_cli)
  insitu_install_rpath(insitu_cli ${CMAKE_INSTALL_BINDIR} ${CMAKE_INSTALL_LIBDIR})
  install(TARGETS insitu_cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()

# CMake package: insitu::client, insitu::launch, insitu::c, insitu::fortran (each when built).
install(EXPORT insituTargets NAMESPACE insitu:: DESTINATION ${INSITU_CMAKE_DIR})
configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/insituConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/insituConfig.cmake INSTALL_DESTINATION ${INSITU_CMAKE_DIR}
  PATH_VARS INSITU_MODULE_DIR CMAKE_INSTALL_BINDIR)
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/insituConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/insituConfig.cmake
  ${CMAKE_CURRENT_BINARY_DIR}/insituConfigVersion.cmake DESTINATION ${INSITU_CMAKE_DIR})

# pkg-config: insitu (C++), insitu-c, insitu-fortran; the prefix is ${pcfiledir}-relative.
file(RELATIVE_PATH INSITU_PC_TO_PREFIX /${CMAKE_INSTALL_LIBDIR}/pkgconfig /)
string(REGEX REPLACE "/$" "" INSITU_PC_TO_PREFIX "${INSITU_PC_TO_PREFIX}")
set(INSITU_FORTRAN_PC_MODDIR ${INSITU_FORTRAN_MOD_DIR})
set(pc_files insitu)
if(TARGET insitu_c)
  list(APPEND pc_files insitu-c)
endif()
if(TARGET insitu_fortran)
  list(APPEND pc_files insitu-fortran)
endif()
foreach(pc ${pc_files})
  configure_file(${CMAKE_CURRENT_LIST_DIR}/${pc}.pc.in ${CMAKE_CURRENT_BINARY_DIR}/${pc}.pc @ONLY)
  install(FILES ${CMAKE_CURRENT_BINARY_DIR}/${pc}.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
endforeach()

# Python: the package with relative symlinks to the installed libraries, then a wheel made from
# it (the libraries copied in, RUNPATH $ORIGIN) for `pip install` into a venv, offline.
if(TARGET insitu_python)
  insitu_install_rpath(insitu_python ${INSITU_INSTALL_PYTHONDIR}/insitu ${INSITU_INSTALL_PYTHONDIR}/insitu)
  # Every .py file, subpackages (insitu.ml, insitu.ml.torch) included.
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/bindings/python/insitu/ DESTINATION ${INSITU_INSTALL_PYTHONDIR}/insitu
    FILES_MATCHING PATTERN "*.py" PATTERN "__pycache__" EXCLUDE)
  install(TARGETS insitu_python LIBRARY DESTINATION ${INSITU_INSTALL_PYTHONDIR}/insitu)
  file(RELATIVE_PATH py_to_lib /${INSITU_INSTALL_PYTHONDIR}/insitu /${CMAKE_INSTALL_LIBDIR})
  set(py_libs insitu_client)
  if(TARGET insitu_launch)
    list(APPEND py_libs insitu_launch)
  endif()
  foreach(l ${py_libs})
    install(CODE "
      set(dir \"\$ENV{DESTDIR}\${CMAKE_INSTALL_PREFIX}/${INSITU_INSTALL_PYTHONDIR}/insitu\")
      message(STATUS \"Installing: \${dir}/lib${l}.so -> ${py_to_lib}lib${l}.so\")
      file(CREATE_LINK ${py_to_lib}lib${l}.so \${dir}/lib${l}.so SYMBOLIC)")
  endforeach()
  install(CODE "
    set(root \"\$ENV{DESTDIR}\${CMAKE_INSTALL_PREFIX}\")
    file(GLOB old \"\${root}/${CMAKE_INSTALL_DATADIR}/insitu/python/insitu-*.whl\")
    if(old)
      file(REMOVE \${old})
    endif()
    execute_process(COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_LIST_DIR}/make_wheel.py
        \"\${root}/${INSITU_INSTALL_PYTHONDIR}/insitu\" ${PROJECT_VERSION}
        \"\${root}/${CMAKE_INSTALL_DATADIR}/insitu/python\"
      COMMAND_ERROR_IS_FATAL ANY)")
endif()

include(${CMAKE_CURRENT_LIST_DIR}/package.cmake)
