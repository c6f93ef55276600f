#include <catch2/catch.hpp>

#include "common/units.hpp"

using namespace sandbox;

TEST_CASE("units: sizes in every spelling", "[unit][units]") {
    CHECK(units::parse_size("4096").value() == 4096);
    CHECK(units::parse_size("512M").value() == 512ULL << 20);
    CHECK(units::parse_size("512MiB").value() == 512ULL << 20);
    CHECK(units::parse_size("512MB").value() == 512ULL << 20);
    CHECK(units::parse_size("1G").value() == 1ULL << 30);
    CHECK(units::parse_size("1.5GiB").value() == 3ULL << 29);
    CHECK(units::parse_size("64k").value() == 64ULL << 10);
    CHECK(units::parse_size("10B").value() == 10);
}

TEST_CASE("units: bad sizes are errors, never wrap around", "[unit][units]") {
    for (const char* bad : {"", "lots", "1X", "1.2.3", ".5G", "5.G", "1GiBs", "-1", "1 G",
                            "99999999999999999999", "17179869184G", "0.3B"}) {
        INFO(bad);
        CHECK_FALSE(units::parse_size(bad).has_value());
    }
}

TEST_CASE("units: durations and combinations", "[unit][units]") {
    using std::chrono::milliseconds;
    CHECK(units::parse_duration("30s").value() == milliseconds(30000));
    CHECK(units::parse_duration("10m").value() == milliseconds(600000));
    CHECK(units::parse_duration("250ms").value() == milliseconds(250));
    CHECK(units::parse_duration("1m30s").value() == milliseconds(90000));
    CHECK(units::parse_duration("1h2m3s500ms").value() == milliseconds(3723500));
    for (const char* bad : {"", "30", "s", "1d", "1m30", "-1s", "99999999999999999999h"}) {
        INFO(bad);
        CHECK_FALSE(units::parse_duration(bad).has_value());
    }
    CHECK(units::format_duration(milliseconds(90000)) == "1m30s");
    CHECK(units::format_size(512ULL << 20) == "512MiB");
}
