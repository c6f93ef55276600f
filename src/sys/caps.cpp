#include "sys/caps.hpp"

#include <sys/capability.h>
#include <sys/prctl.h>

#include <algorithm>
#include <memory>

namespace sandbox::sys {
namespace {

struct CapFree {
    void operator()(_cap_struct* c) const noexcept { cap_free(c); }
};
using CapState = std::unique_ptr<_cap_struct, CapFree>;

bool contains(const std::vector<int>& v, int x) {
    return std::find(v.begin(), v.end(), x) != v.end();
}

}  // namespace

Result<int> capability_from_name(const std::string& name) {
    cap_value_t value = 0;
    if (cap_from_name(name.c_str(), &value) != 0) {
        return fail_with(EINVAL, "cap_from_name", name);
    }
    return static_cast<int>(value);
}

std::string capability_name(int cap) {
    std::unique_ptr<char, decltype(&cap_free)> text(cap_to_name(static_cast<cap_value_t>(cap)),
                                                    &cap_free);
    return text ? std::string(text.get()) : "cap_" + std::to_string(cap);
}

int capability_last() {
    return static_cast<int>(cap_max_bits()) - 1;
}

Status set_keep_caps(bool on) {
    if (::prctl(PR_SET_KEEPCAPS, on ? 1 : 0, 0, 0, 0) != 0) {
        return fail("prctl", "PR_SET_KEEPCAPS");
    }
    return {};
}

Status raise_effective_to_permitted() {
    CapState caps(cap_get_proc());
    if (!caps) {
        return fail("cap_get_proc");
    }
    for (int c = 0; c <= capability_last(); ++c) {
        cap_flag_value_t v = CAP_CLEAR;
        cap_value_t cv = static_cast<cap_value_t>(c);
        if (cap_get_flag(caps.get(), cv, CAP_PERMITTED, &v) == 0 && v == CAP_SET) {
            cap_set_flag(caps.get(), CAP_EFFECTIVE, 1, &cv, CAP_SET);
        }
    }
    if (cap_set_proc(caps.get()) != 0) {
        return fail("cap_set_proc", "raise effective");
    }
    return {};
}

Status drop_bounding_set_except(const std::vector<int>& keep) {
    for (int c = 0; c <= capability_last(); ++c) {
        if (contains(keep, c)) {
            continue;
        }
        // PR_CAPBSET_DROP through libcap; EINVAL means the kernel does not know it: fine.
        if (cap_drop_bound(static_cast<cap_value_t>(c)) != 0 && errno != EINVAL) {
            return fail("prctl", "PR_CAPBSET_DROP " + capability_name(c));
        }
    }
    return {};
}

Status set_capability_sets(const std::vector<int>& keep) {
    CapState caps(cap_init());  // all clear
    if (!caps) {
        return fail("cap_init");
    }
    for (int c : keep) {
        cap_value_t cv = static_cast<cap_value_t>(c);
        for (cap_flag_t flag : {CAP_PERMITTED, CAP_EFFECTIVE, CAP_INHERITABLE}) {
            if (cap_set_flag(caps.get(), flag, 1, &cv, CAP_SET) != 0) {
                return fail("cap_set_flag", capability_name(c));
            }
        }
    }
    if (cap_set_proc(caps.get()) != 0) {
        return fail("cap_set_proc");
    }
    return {};
}

Status set_ambient_capabilities(const std::vector<int>& ambient) {
    // The kernel's one call, not libcap's cap_reset_ambient(), which asks about each of the
    // ~41 capabilities first (41 prctl calls on the way to every execve, docs/performance.md).
    // EINVAL: a kernel without ambient capabilities (before 4.3) has none to clear.
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 && errno != EINVAL) {
        return fail("prctl", "PR_CAP_AMBIENT_CLEAR_ALL");
    }
    for (int c : ambient) {
        if (cap_set_ambient(static_cast<cap_value_t>(c), CAP_SET) != 0) {
            return fail("prctl", "PR_CAP_AMBIENT_RAISE " + capability_name(c));
        }
    }
    return {};
}

Result<CapabilityMasks> read_capabilities() {
    CapabilityMasks m;
    CapState caps(cap_get_proc());
    if (!caps) {
        return fail("cap_get_proc");
    }
    for (int c = 0; c <= capability_last() && c < 64; ++c) {
        cap_value_t cv = static_cast<cap_value_t>(c);
        uint64_t bit = uint64_t{1} << c;
        cap_flag_value_t v = CAP_CLEAR;
        if (cap_get_flag(caps.get(), cv, CAP_PERMITTED, &v) == 0 && v == CAP_SET) {
            m.permitted |= bit;
        }
        if (cap_get_flag(caps.get(), cv, CAP_EFFECTIVE, &v) == 0 && v == CAP_SET) {
            m.effective |= bit;
        }
        if (cap_get_flag(caps.get(), cv, CAP_INHERITABLE, &v) == 0 && v == CAP_SET) {
            m.inheritable |= bit;
        }
        if (cap_get_bound(cv) == 1) {
            m.bounding |= bit;
        }
        if (cap_get_ambient(cv) == 1) {
            m.ambient |= bit;
        }
    }
    return m;
}

}  // namespace sandbox::sys
