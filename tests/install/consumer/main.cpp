// Built against an installed insitu (find_package or pkg-config). With SSDB/SR_DB_TYPE from
// `insitu db start`:  consumer put NAME      stores NAME = [1, 2, 3] and reads it back;
//                     consumer get NAME a b c checks that NAME holds [a, b, c].
// Configuration errors come back as typed exceptions (exit 3), wrong values exit 1.
#include <insitu/client.h>
#include <insitu/version.h>

#include <cstdio>
#include <cstdlib>
#include <string>

int main(int argc, char** argv) {
    std::string mode = argc > 2 ? argv[1] : "";
    if ((mode != "put" || argc != 3) && (mode != "get" || argc != 6)) {
        std::fprintf(stderr, "usage: consumer put NAME | consumer get NAME a b c\n");
        return 2;
    }
    try {
        insitu::Client client("consumer");
        float want[3] = {1, 2, 3}, got[3] = {0, 0, 0};
        if (mode == "put") {
            client.put_tensor(argv[2], want, {3}, insitu::TensorType::Float,
                              insitu::MemoryLayout::Contiguous);
        } else {
            for (int i = 0; i < 3; ++i) want[i] = std::strtof(argv[3 + i], nullptr);
        }
        client.unpack_tensor(argv[2], got, {3}, insitu::TensorType::Float,
                             insitu::MemoryLayout::Contiguous);
        bool ok = got[0] == want[0] && got[1] == want[1] && got[2] == want[2];
        std::printf("insitu %s C++ %s %s = [%g %g %g] %s\n", INSITU_VERSION_STRING, mode.c_str(),
                    argv[2], got[0], got[1], got[2], ok ? "ok" : "WRONG");
        return ok ? 0 : 1;
    } catch (const insitu::Exception& e) {
        std::printf("error %d: %s\n", static_cast<int>(e.code()), e.what());
        return 3;
    }
}
