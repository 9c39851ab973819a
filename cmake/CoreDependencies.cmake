# What the Qt-free core needs: libtorch, nlohmann/json, PCRE2 (tokenizer pre-split regex).
# On the GPU machine none of nlohmann/PCRE2 headers are installed; tools/gpu/ copies them into a
# git-ignored folder that is passed as LAYOUTLENS_EXTRA_INCLUDE.
set(LAYOUTLENS_EXTRA_INCLUDE "" CACHE PATH "Extra include folder (nlohmann/, pcre2.h) for machines without the -dev packages")

find_package(Torch REQUIRED)
# TorchConfig appends its own flags (-D_GLIBCXX_USE_CXX11_ABI) to CMAKE_CXX_FLAGS; keep them.
set(CMAKE_CXX_FLAGS "${CMAKE_CXX_FLAGS} ${TORCH_CXX_FLAGS}")

find_package(nlohmann_json 3 QUIET)
if(NOT TARGET nlohmann_json::nlohmann_json)
  find_path(NLOHMANN_INCLUDE_DIR nlohmann/json.hpp HINTS ${LAYOUTLENS_EXTRA_INCLUDE} REQUIRED)
  add_library(nlohmann_json::nlohmann_json INTERFACE IMPORTED)
  set_target_properties(nlohmann_json::nlohmann_json PROPERTIES INTERFACE_INCLUDE_DIRECTORIES ${NLOHMANN_INCLUDE_DIR})
endif()

find_path(PCRE2_INCLUDE_DIR pcre2.h HINTS ${LAYOUTLENS_EXTRA_INCLUDE} REQUIRED)
find_library(PCRE2_LIBRARY NAMES pcre2-8 libpcre2-8.so.0 REQUIRED)
add_library(layoutlens_pcre2 INTERFACE)
target_include_directories(layoutlens_pcre2 SYSTEM INTERFACE ${PCRE2_INCLUDE_DIR})
target_link_libraries(layoutlens_pcre2 INTERFACE ${PCRE2_LIBRARY})
target_compile_definitions(layoutlens_pcre2 INTERFACE PCRE2_CODE_UNIT_WIDTH=8)

if(LAYOUTLENS_BUILD_TESTS)
  find_package(GTest QUIET)
  if(NOT TARGET GTest::gtest_main)
    # GPU machine: googletest sources carried in a git-ignored folder.
    set(LAYOUTLENS_GTEST_SOURCE "" CACHE PATH "googletest source tree, when no GTest package is installed")
    add_subdirectory(${LAYOUTLENS_GTEST_SOURCE} ${CMAKE_BINARY_DIR}/googletest EXCLUDE_FROM_ALL)
    add_library(GTest::gtest_main ALIAS gtest_main)
    add_library(GTest::gtest ALIAS gtest)
  endif()
endif()
