// Readers: TOML and YAML text -> Document, with locations, the YAML core schema, and every
// limit that keeps a hostile file from crashing, hanging or exhausting memory.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "profile/loader.hpp"
#include "profile/readers.hpp"
#include "support/cpu_time.hpp"
#include "support/same_tree.hpp"

using namespace sandbox::profile;
namespace fs = std::filesystem;

namespace {

std::optional<Document> toml(std::string_view text, Diagnostics& d) {
    return read_toml("t.toml", text, d);
}
std::optional<Document> yaml(std::string_view text, Diagnostics& d) {
    return read_yaml("t.yaml", text, d);
}

// The single diagnostic of a failed read, as printed.
std::string toml_error(std::string_view text) {
    Diagnostics d;
    auto doc = toml(text, d);
    CHECK_FALSE(doc.has_value());
    return d.str();
}
std::string yaml_error(std::string_view text) {
    Diagnostics d;
    auto doc = yaml(text, d);
    CHECK_FALSE(doc.has_value());
    return d.str();
}

Node yaml_value(const std::string& scalar) {
    Diagnostics d;
    auto doc = yaml("v: " + scalar + "\n", d);
    INFO(scalar << " -> " << d.str());
    REQUIRE(doc.has_value());
    const Node* v = doc->root.find("v");
    REQUIRE(v != nullptr);
    return *v;
}

struct TempDir {
    fs::path path;
    TempDir() {
        std::string tmpl = (fs::temp_directory_path() / "sandbox-readers-XXXXXX").string();
        REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
        path = tmpl;
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
    std::string write(const std::string& name, std::string_view text) const {
        fs::path p = path / name;
        std::ofstream(p, std::ios::binary) << text;
        return p.string();
    }
};

template <typename Fn>
double seconds(Fn fn) {
    auto start = std::chrono::steady_clock::now();
    fn();
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

TEST_CASE("profile: TOML nodes and keys carry file:line:col, in file order", "[unit][profile]") {
    Diagnostics d;
    auto doc = toml(
        "version = 1\n[process]\nargs = [\"/bin/sh\", \"-c\"]\ncwd = \"/\"\n"
        "[limits]\nmemory = \"1G\"\ncpu = 0.5\n",
        d);
    REQUIRE(doc);
    CHECK(d.empty());
    const Node& root = doc->root;
    REQUIRE(root.entries.size() == 3);
    CHECK(root.entries[0].key == "version");
    CHECK(root.entries[1].key == "process");
    CHECK(root.entries[2].key == "limits");
    const Node* args = root.find("process")->find("args");
    REQUIRE(args);
    CHECK(args->where.str() == "t.toml:3:8");
    CHECK(args->items[1].where.str() == "t.toml:3:20");
    CHECK(root.find("process")->find_entry("cwd")->key_where.str() == "t.toml:4:1");
    CHECK(root.find("limits")->find("cpu")->kind == NodeKind::floating);
    CHECK(root.find("limits")->find("cpu")->floating == 0.5);
    // Keys of a table stay in file order even though toml++ sorts them.
    auto doc2 = toml("z = 1\na = 2\nm = 3\n", d);
    REQUIRE(doc2);
    CHECK(doc2->root.entries[0].key == "z");
    CHECK(doc2->root.entries[1].key == "a");
    CHECK(doc2->root.entries[2].key == "m");
}

TEST_CASE("profile: YAML nodes carry 1-based file:line:col, in file order", "[unit][profile]") {
    Diagnostics d;
    auto doc =
        yaml("version: 1\nprocess:\n  args: [/bin/sh, -c]\n  cwd: /\nzeta: 1\nalpha: 2\n", d);
    REQUIRE(doc);
    CHECK(d.empty());
    const Node& root = doc->root;
    CHECK(root.where.str() == "t.yaml:1:1");
    REQUIRE(root.entries.size() == 4);
    CHECK(root.entries[2].key == "zeta");
    CHECK(root.entries[3].key == "alpha");
    const Node* args = root.find("process")->find("args");
    REQUIRE(args);
    CHECK(args->where.str() == "t.yaml:3:9");
    CHECK(args->items[1].where.str() == "t.yaml:3:19");
    CHECK(root.find("process")->find_entry("cwd")->key_where.str() == "t.yaml:4:3");
}

TEST_CASE("profile: YAML scalars follow the 1.2 core schema", "[unit][profile]") {
    for (const char* s : {"~", "null", "Null", "NULL", ""}) {
        CHECK(yaml_value(s).kind == NodeKind::null);
    }
    for (const char* s : {"true", "True", "TRUE"}) {
        Node n = yaml_value(s);
        CHECK(n.kind == NodeKind::boolean);
        CHECK(n.boolean);
    }
    for (const char* s : {"false", "False", "FALSE"}) {
        Node n = yaml_value(s);
        CHECK(n.kind == NodeKind::boolean);
        CHECK_FALSE(n.boolean);
    }
    // YAML 1.1 booleans are strings in 1.2.
    for (const char* s : {"yes", "no", "on", "off", "y", "n", "tRUE"}) {
        Node n = yaml_value(s);
        CHECK(n.kind == NodeKind::string);
        CHECK(n.string == s);
    }
    CHECK(yaml_value("42").integer == 42);
    CHECK(yaml_value("-17").integer == -17);
    CHECK(yaml_value("+5").integer == 5);
    CHECK(yaml_value("0o17").integer == 15);
    CHECK(yaml_value("0x1f").integer == 31);
    CHECK(yaml_value("9223372036854775807").integer == INT64_MAX);
    CHECK(yaml_value("-9223372036854775808").integer == INT64_MIN);
    CHECK(yaml_value("0777").integer == 777);  // 1.2: no implicit octal
    CHECK(yaml_value("1.5").floating == 1.5);
    CHECK(yaml_value("-.5").floating == -0.5);
    CHECK(yaml_value("1e3").floating == 1000.0);
    CHECK(yaml_value("2.").floating == 2.0);
    CHECK(yaml_value("1.5").kind == NodeKind::floating);
    for (const char* s : {"0b101", "1_000", "1:30", "0x", "1e", "512MiB", "0o8", "12abc"}) {
        Node n = yaml_value(s);
        CHECK(n.kind == NodeKind::string);
        CHECK(n.string == s);
    }
}

TEST_CASE("profile: a quoted or !!str YAML scalar stays a string", "[unit][profile]") {
    for (const char* s :
         {"\"false\"", "'true'", "\"42\"", "'~'", "\"null\"", "!!str 42", "! 12", "\"1.5\""}) {
        INFO(s);
        CHECK(yaml_value(s).kind == NodeKind::string);
    }
    CHECK(yaml_value("\"\"").kind == NodeKind::string);
    CHECK(yaml_value("!!int \"7\"").integer == 7);
    CHECK(yaml_value("!!float 2").floating == 2.0);
    CHECK(yaml_value("!!bool true").boolean);
    CHECK(yaml_value("!!null ~").kind == NodeKind::null);
    CHECK(yaml_error("v: !!int seven\n") ==
          "t.yaml:1:4: v: 'seven' is not a valid integer (tag !!int)\n");
}

TEST_CASE("profile: duplicate keys name both places", "[unit][profile]") {
    CHECK(toml_error("a = 1\nb = 2\na = 3\n") ==
          "t.toml:3:1: a: duplicate key (first defined at 1:1)\n");
    CHECK(toml_error("[process]\ncwd = \"/\"\nargs = []\ncwd = \"/x\"\n") ==
          "t.toml:4:1: process.cwd: duplicate key (first defined at 2:1)\n");
    CHECK(toml_error("[limits]\npids = 1\n[process]\ncwd = \"/\"\n[limits]\n") ==
          "t.toml:5:1: limits: duplicate key (first defined at 1:2)\n");
    CHECK(yaml_error("a: 1\nb: 2\na: 3\n") ==
          "t.yaml:3:1: a: duplicate key (first defined at 1:1)\n");
    CHECK(yaml_error("process:\n  cwd: /\n  cwd: /x\n") ==
          "t.yaml:3:3: process.cwd: duplicate key (first defined at 2:3)\n");
    // A quoted key is the same key.
    CHECK(yaml_error("a: 1\n\"a\": 2\n") ==
          "t.yaml:2:1: a: duplicate key (first defined at 1:1)\n");
}

TEST_CASE("profile: multi-document YAML, tags, merge keys and non-string keys are refused",
          "[unit][profile]") {
    CHECK(yaml_error("a: 1\n---\nb: 2\n") ==
          "t.yaml:2:1: multi-document YAML is not supported\n"
          "  hint: keep one profile per file (remove the second '---')\n");
    CHECK(
        yaml_error("a: !custom 1\n") ==
        "t.yaml:1:4: a: unsupported YAML tag '!custom'\n  hint: profiles use no tags; remove it\n");
    CHECK(yaml_error("a: !!binary aGVsbG8=\n").find("unsupported YAML tag '!!binary'") !=
          std::string::npos);
    CHECK(yaml_error("a: !!set {x}\n").find("unsupported YAML tag '!!set'") != std::string::npos);
    CHECK(yaml_error("1: a\n") ==
          "t.yaml:1:1: mapping keys must be strings, got an integer\n  hint: quote the key\n");
    CHECK(yaml_error("true: a\n").find("mapping keys must be strings, got a boolean") !=
          std::string::npos);
    CHECK(yaml_error("? [a]\n: b\n").find("mapping keys must be strings, got an array") !=
          std::string::npos);
    CHECK(yaml_error("base: &b {x: 1}\nchild:\n  <<: *b\n").find("merge keys") !=
          std::string::npos);
    CHECK(yaml_error("- a\n- b\n") ==
          "t.yaml:1:1: the top level must be a mapping (key: value), got an array\n");
    // A document start marker alone is one document.
    Diagnostics d;
    CHECK(yaml("---\na: 1\n...\n", d).has_value());
    CHECK(yaml("", d)->root.entries.empty());
    CHECK(yaml("# only a comment\n", d)->root.entries.empty());
    CHECK(d.empty());
}

TEST_CASE("profile: YAML anchors expand, cycles and alias bombs are refused", "[unit][profile]") {
    Diagnostics d;
    auto doc = yaml("base: &b\n  x: 1\n  y: [a, b]\ncopy: *b\n", d);
    REQUIRE(doc);
    const Node* copy = doc->root.find("copy");
    REQUIRE(copy);
    CHECK(copy->find("x")->integer == 1);
    CHECK(copy->find("y")->items.size() == 2);

    CHECK(yaml_error("a: &x [1, *x]\n") ==
          "t.yaml:1:11: a[1]: alias '*x' refers to a node that contains it\n"
          "  hint: anchors that form cycles are not allowed\n");
    CHECK(yaml_error("a: &x {k: *x}\n").find("refers to a node that contains it") !=
          std::string::npos);

    std::string bomb =
        "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n";
    for (char c = 'b'; c <= 'j'; ++c) {
        std::string prev(1, static_cast<char>(c - 1));
        bomb += std::string(1, c) + ": &" + c + " [*" + prev + ",*" + prev + ",*" + prev + ",*" +
                prev + ",*" + prev + ",*" + prev + ",*" + prev + ",*" + prev + ",*" + prev + "]\n";
    }
    std::string error;
    double t = seconds([&] { error = yaml_error(bomb); });
    CHECK(error.find("too many values (the limit is 100000, aliases counted as expanded)") !=
          std::string::npos);
    CHECK(t < 1.0);
}

TEST_CASE("profile: TOML dates and times are refused at their location", "[unit][profile]") {
    CHECK(toml_error("a = 1\nwhen = 2024-01-02T03:04:05Z\n") ==
          "t.toml:2:8: when: TOML dates and times are not supported in a profile\n"
          "  hint: quote it to make it a string\n");
    CHECK(toml_error("[x]\nd = 2024-01-02\n").find("t.toml:2:5: x.d: TOML dates") == 0);
    CHECK(toml_error("t = 07:32:00\n").find("t.toml:1:5: t: TOML dates") == 0);
}

TEST_CASE("profile: nan and inf are refused in both formats", "[unit][profile]") {
    CHECK(toml_error("[limits]\ncpu = nan\n") ==
          "t.toml:2:7: limits.cpu: nan and inf are not allowed in a profile\n");
    CHECK(toml_error("cpu = -inf\n").find("nan and inf") != std::string::npos);
    CHECK(yaml_error("limits:\n  cpu: .inf\n") ==
          "t.yaml:2:8: limits.cpu: nan and inf are not allowed in a profile\n");
    CHECK(yaml_error("cpu: .NaN\n").find("nan and inf") != std::string::npos);
    CHECK(yaml_error("cpu: -.Inf\n").find("nan and inf") != std::string::npos);
    CHECK(yaml_error("cpu: 1e999\n").find("nan and inf") != std::string::npos);
    CHECK(yaml_error("n: 9223372036854775808\n").find("out of range") != std::string::npos);
}

TEST_CASE("profile: parse errors are one diagnostic at the error position", "[unit][profile]") {
    std::string t = toml_error("a = 1\nb = [1, 2\n");
    CHECK(t.rfind("t.toml:2:", 0) == 0);
    CHECK(t.find("invalid TOML: ") != std::string::npos);
    CHECK(std::count(t.begin(), t.end(), '\n') == 1);
    std::string y = yaml_error("a: 1\nb: [1, 2\n");
    CHECK(y.rfind("t.yaml:", 0) == 0);
    CHECK(y.find("invalid YAML: ") != std::string::npos);
    CHECK(std::count(y.begin(), y.end(), '\n') == 1);
    CHECK(yaml_error("a: *nope\n").find("invalid YAML") != std::string::npos);
}

TEST_CASE("profile: invalid UTF-8 and NUL bytes are refused with line:col before parsing",
          "[unit][profile]") {
    using namespace std::string_literals;
    CHECK(toml_error("a = 1\nb = \"x\xff\"\n") ==
          "t.toml:2:7: invalid UTF-8 (byte 0xff)\n  hint: profiles must be UTF-8 text\n");
    CHECK(yaml_error("a: 1\nb: \xc3\x28\n") ==
          "t.yaml:2:4: invalid UTF-8 (byte 0xc3)\n  hint: profiles must be UTF-8 text\n");
    CHECK(yaml_error("a: \"\xe2\x82\xac\xed\xa0\x80\"\n").find("t.yaml:1:6: invalid UTF-8") ==
          0);  // a surrogate, after one valid 3-byte char
    CHECK(toml_error("a = \"\xc0\xaf\"\n").find("invalid UTF-8 (byte 0xc0)") != std::string::npos);
    CHECK(toml_error("a = 1\n\0b = 2\n"s) ==
          "t.toml:2:1: NUL byte in the file; a profile is text\n");
    CHECK(yaml_error("a: x\0y\n"s) == "t.yaml:1:5: NUL byte in the file; a profile is text\n");
    Diagnostics d;
    CHECK(yaml("\xEF\xBB\xBF"
               "a: 1\n",
               d)
              .has_value());  // a BOM is fine
    CHECK(toml("a = \"\xc3\xa9t\xc3\xa9\"\n", d)->root.find("a")->string == "\xc3\xa9t\xc3\xa9");
}

TEST_CASE("profile: nesting is capped at 64 levels in both formats", "[unit][profile]") {
    auto nested_toml = [](size_t depth) {
        return "a = " + std::string(depth, '[') + "1" + std::string(depth, ']') + "\n";
    };
    auto nested_yaml = [](size_t depth) {
        return "a: " + std::string(depth, '[') + "1" + std::string(depth, ']') + "\n";
    };
    Diagnostics d;
    // `a` is level 1, so 63 brackets reach depth 64 exactly.
    CHECK(toml(nested_toml(63), d).has_value());
    CHECK(yaml(nested_yaml(63), d).has_value());
    CHECK(d.empty());
    CHECK(toml_error(nested_toml(64)).find("nested deeper than 64 levels") != std::string::npos);
    CHECK(yaml_error(nested_yaml(64)).find("nested deeper than 64 levels") != std::string::npos);

    std::string block;
    for (size_t i = 0; i < 70; ++i) {
        block += std::string(i * 2, ' ') + "k" + std::to_string(i) + ":\n";
    }
    CHECK(yaml_error(block).find("nested deeper than 64 levels") != std::string::npos);
}

TEST_CASE("profile: 100 000 nested arrays fail fast in both formats", "[unit][profile]") {
    const size_t n = 100000;
    std::string t = "a = " + std::string(n, '[') + std::string(n, ']') + "\n";
    std::string y = "a: " + std::string(n, '[') + std::string(n, ']') + "\n";
    std::string y_block = "a:\n";
    for (size_t i = 0; i < n / 10; ++i) {
        y_block += "- ";
    }
    y_block += "x\n";
    std::string y_map = "a: " + std::string(n, '{');
    std::string t_dotted = "a";
    for (size_t i = 0; i < n; ++i) {
        t_dotted += ".a";
    }
    std::string t_header = "[" + t_dotted + "]\n";
    t_dotted += " = 1\n";
    for (const std::string* text : {&t, &t_dotted, &t_header}) {
        std::string error;
        double s = seconds([&] { error = toml_error(*text); });
        CHECK(error.find("nested deeper than 64 levels") != std::string::npos);
        CHECK(s < 0.5);
    }
    for (const std::string* text : {&y, &y_block, &y_map}) {
        std::string error;
        double s = seconds([&] { error = yaml_error(*text); });
        CHECK(error.find("nested deeper than 64 levels") != std::string::npos);
        CHECK(s < 0.5);
    }
}

TEST_CASE("profile: the value count is capped", "[unit][profile]") {
    std::string t = "a = [";
    for (size_t i = 0; i < 120000; ++i) {
        t += "0,";
    }
    t += "]\n";
    CHECK(toml_error(t).find("too many values") != std::string::npos);
    std::string y = "a: [" + t.substr(5);
    CHECK(yaml_error(y).find("too many values") != std::string::npos);
}

TEST_CASE("profile: read_document refuses big, missing, odd files fast", "[unit][profile]") {
    TempDir dir;
    std::string big = (dir.path / "big.toml").string();
    {
        int fd = ::open(big.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
        REQUIRE(fd >= 0);
        REQUIRE(::ftruncate(fd, 50 * 1000 * 1000) == 0);  // 50 MB, sparse
        ::close(fd);
    }
    Diagnostics d;
    double s = seconds([&] { CHECK_FALSE(read_document(big, d).has_value()); });
    CHECK(s < 0.1);
    CHECK(d.str() == big + ": file too large (50000000 bytes; the limit is 1048576)\n");

    std::string just =
        dir.write("just.yaml", std::string(k_max_profile_bytes - 8, '#') + "\na: 1\n");
    Diagnostics d2;
    CHECK(read_document(just, d2).has_value());

    Diagnostics d3;
    CHECK_FALSE(read_document((dir.path / "none.toml").string(), d3));
    CHECK(d3.str().find("none.toml: cannot open: No such file or directory") != std::string::npos);

    Diagnostics d4;
    CHECK_FALSE(read_document(dir.write("x.json", "{}"), d4));
    CHECK(d4.str().find("unknown profile format") != std::string::npos);

    fs::create_directory(dir.path / "d.toml");
    Diagnostics d5;
    CHECK_FALSE(read_document((dir.path / "d.toml").string(), d5));
    CHECK(d5.str().find("not a regular file") != std::string::npos);

    std::string fifo = (dir.path / "f.yaml").string();
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    Diagnostics d6;
    s = seconds([&] { CHECK_FALSE(read_document(fifo, d6)); });
    CHECK(d6.str().find("not a regular file") != std::string::npos);
    CHECK(s < 0.1);

    Diagnostics d7;
    auto doc = read_document(dir.write("ok.yml", "a: 1\n"), d7);
    REQUIRE(doc);
    CHECK(doc->root.find("a")->where.str() == (dir.path / "ok.yml").string() + ":1:4");
}

TEST_CASE("profile: --set values are TOML values, else strings", "[unit][profile]") {
    SourceLocation at = SourceLocation::named("--set");
    CHECK(parse_toml_value("42", at)->integer == 42);
    CHECK(parse_toml_value("true", at)->boolean);
    CHECK(parse_toml_value("\"x y\"", at)->string == "x y");
    auto arr = parse_toml_value("[\"a\", 2]", at);
    REQUIRE(arr);
    CHECK(arr->items.size() == 2);
    CHECK(arr->items[0].where.str() == "--set");
    auto tbl = parse_toml_value("{ a = 1, b = { c = 2 } }", at);
    REQUIRE(tbl);
    CHECK(tbl->find("b")->find("c")->integer == 2);
    CHECK(tbl->find_entry("a")->key_where.str() == "--set");
    for (const char* s : {"1GiB", "auto", "", "2024-01-01", "1\nb = 2", "nan", "/usr/bin"}) {
        INFO(s);
        CHECK_FALSE(parse_toml_value(s, at).has_value());
    }
}

TEST_CASE("profile: the same profile in TOML and YAML reads to the same tree", "[unit][profile]") {
    Diagnostics d;
    auto t = toml(R"(version = 1
name = "web"
[process]
args = ["/bin/sh", "-c", "echo hi"]
env = { LANG = "C.UTF-8", DEBUG = "false" }
tty = "auto"
[limits]
memory = "512MiB"
pids = 64
cpu = 1.5
[[mounts]]
type = "tmpfs"
target = "/tmp"
readonly = false
[namespaces]
net = { join = "db" }
)",
                  d);
    auto y = yaml(R"(version: 1
name: web
process:
  args: [/bin/sh, -c, "echo hi"]
  env:
    LANG: C.UTF-8
    DEBUG: "false"
  tty: auto
limits:
  memory: 512MiB
  pids: 64
  cpu: 1.5
mounts:
  - type: tmpfs
    target: /tmp
    readonly: false
namespaces:
  net: {join: db}
)",
                  d);
    INFO(d.str());
    REQUIRE(t);
    REQUIRE(y);
    sandbox::test::check_same_tree(t->root, y->root);
}

TEST_CASE("profile: wide tables read in linear time", "[unit][profile]") {
    std::string y;
    std::string t;
    for (int i = 0; i < 45000; ++i) {
        y += "k" + std::to_string(i) + ": 1\n";
        t += "k" + std::to_string(i) + " = 1\n";
    }
    Diagnostics d;
    double s = sandbox::test::cpu_seconds([&] {
        CHECK(yaml(y, d).has_value());
        CHECK(toml(t, d).has_value());
    });
    CHECK(d.empty());
    // Linear: ~0.3 s of CPU for both in a Debug build; quadratic lookups took several seconds.
    CHECK(s < 3.0);
    y += "k17: 2\n";
    CHECK(yaml_error(y) == "t.yaml:45001:1: k17: duplicate key (first defined at 18:1)\n");
}

TEST_CASE("profile: the YAML nesting pre-scan accepts ordinary YAML", "[unit][profile]") {
    std::string text = R"(description: |
  line
      indented more
          and more [[[[ {{{{
process:
  args:
    - /bin/sh
    - -c
    - >-
      folded [ {
        text
  env: {A: "[", B: '{', C: "x # not a comment", D: 'it''s [['}
  # a comment [ [ [ {
note: a[b c{d
url: http://x/y?[a]
quote: it's [ not a flow
- key: not a list
)";
    text.resize(text.find("- key"));  // (the last line would be invalid YAML)
    std::string deep;
    for (int i = 0; i < 40; ++i) {
        deep += std::string(static_cast<size_t>(i) * 2, ' ') + "k" + std::to_string(i) + ":\n";
    }
    deep += std::string(80, ' ') + "v: [[[[[[[[[[1]]]]]]]]]]\n";
    Diagnostics d;
    auto doc = yaml(text, d);
    INFO(d.str());
    REQUIRE(doc);
    CHECK(doc->root.find("note")->string == "a[b c{d");
    CHECK(doc->root.find("process")->find("env")->find("D")->string == "it's [[");
    CHECK(yaml(deep, d).has_value());
    CHECK(d.empty());
}

TEST_CASE("profile: YAML that yaml-cpp cannot consume fails fast (fuzzer finding)",
          "[unit][profile]") {
    // yaml-cpp 0.7 reports an endless run of empty documents for these.
    for (const char* text : {",imits:\n  memory: 1G\n  \"mecG\n", ",a: 1\n", "]\n"}) {
        std::string error;
        double s = seconds([&] { error = yaml_error(text); });
        INFO(text);
        CHECK(error.find("t.yaml:1:1: ") == 0);
        CHECK(s < 0.5);
    }
    CHECK(yaml_error(",a: 1\n") ==
          "t.yaml:1:1: invalid YAML: unexpected content at the top level\n");
}
