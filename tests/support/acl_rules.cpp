// Prints the ACL rules the launcher gives a user (launch::acl_users()), so that a test database
// started outside the launcher (tests/support/db_fixture.sh) can have exactly the same users:
//   insitu_test_acl_rules admin|app|reader
#include <cstdio>
#include <string>

#include "launch/db/acl_users.h"

int main(int argc, char** argv) {
    if (argc == 2)
        for (const auto& u : insitu::launch::acl_users())
            if (std::string(u.name) == argv[1]) {
                std::printf("%s\n", u.rules);
                return 0;
            }
    std::fprintf(stderr, "usage: insitu_test_acl_rules admin|app|reader\n");
    return 2;
}
