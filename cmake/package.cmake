# The Debian package: `cpack -G DEB` in the build folder writes
# insitu_<version>_<arch>.deb, the install tree of cmake/install.cmake under /usr. Depends: what
# dpkg-shlibdeps finds for every ELF file (libtorch, OpenCV, gfortran, libstdc++, ...; ONNX
# Runtime and TFLite are inside, in /usr/lib/insitu/runtime), plus what is run or imported rather
# than linked: redis-server, python3 and numpy, and OpenBLAS (pthread), the fast BLAS for Debian's libtorch.
set(CPACK_PACKAGE_NAME insitu)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
  "In-situ ML for HPC simulations: Redis module, C++/C/Fortran/Python clients, experiment driver")
set(CPACK_PACKAGE_CONTACT "insitu maintainers <insitu@localhost>")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES TRUE)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION science)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# The libraries the package ships itself (found through $ORIGIN RPATHs, need no dependency).
# dpkg-shlibdeps runs in the staging folder: the paths are relative to it.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS_PRIVATE_DIRS usr/${CMAKE_INSTALL_LIBDIR} usr/${INSITU_RUNTIME_DIR})
set(CPACK_DEBIAN_PACKAGE_DEPENDS "redis-server, python3, python3-numpy, libopenblas0-pthread | libopenblas0")
# prerm removes the bytecode Python wrote next to the package (CPack adds the ldconfig calls).
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA ${CMAKE_CURRENT_LIST_DIR}/deb/prerm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION TRUE)
set(CPACK_GENERATOR DEB)
include(CPack)
