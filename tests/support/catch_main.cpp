// The Catch2 runner, compiled once and linked by every test binary.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>
#include <cstdlib>

int main(int argc, char* argv[]) {
    // Where the tests find the built binary and the busybox rootfs. ctest's ENVIRONMENT could
    // carry them, but catch_discover_tests splits a list-valued property at ';', so the build
    // tree's paths are compiled in as defaults instead (an explicit environment still wins).
    setenv("SANDBOX_BIN", SANDBOX_BINARY_DIR "/sandbox", 0);
    setenv("SANDBOX_TEST_ROOTFS", SANDBOX_BINARY_DIR "/rootfs", 0);
    return Catch::Session().run(argc, argv);
}
