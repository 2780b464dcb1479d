# Installation: headers, the client library (exported for find_package(insitu) as insitu::client,
# plus a pkg-config file), the Redis module and the backend plugins.
include(CMakePackageConfigHelpers)

set(INSITU_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/insitu)

install(DIRECTORY include/insitu DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
# redis-server refuses a module file without execute permission.
install(TARGETS insitu_ai LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}/insitu
  PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)

if(TARGET insitu_client)
  set_target_properties(insitu_client PROPERTIES EXPORT_NAME client)
  install(TARGETS insitu_client EXPORT insituTargets
    LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
    ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
    INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
  install(EXPORT insituTargets NAMESPACE insitu:: DESTINATION ${INSITU_CMAKE_DIR})
  configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/insituConfig.cmake.in
    ${CMAKE_CURRENT_BINARY_DIR}/insituConfig.cmake INSTALL_DESTINATION ${INSITU_CMAKE_DIR}
    PATH_VARS CMAKE_INSTALL_LIBDIR)
  write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/insituConfigVersion.cmake
    VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
  install(FILES ${CMAKE_CURRENT_BINARY_DIR}/insituConfig.cmake
    ${CMAKE_CURRENT_BINARY_DIR}/insituConfigVersion.cmake DESTINATION ${INSITU_CMAKE_DIR})
  configure_file(${CMAKE_CURRENT_LIST_DIR}/insitu.pc.in ${CMAKE_CURRENT_BINARY_DIR}/insitu.pc @ONLY)
  install(FILES ${CMAKE_CURRENT_BINARY_DIR}/insitu.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
endif()
