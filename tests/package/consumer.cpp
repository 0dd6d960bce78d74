// The C++ twin of consumer.c: the installed headers used from C++.
#include <cstring>
#include <iostream>
#include <kinsync.h>

int main()
{
    if (std::strcmp(ks_version(), KS_VERSION) != 0) {
        std::cerr << "library " << ks_version() << ", headers " << KS_VERSION
                  << "\n";
        return 1;
    }
    std::cout << "c++ " << ks_version() << " " << ks_rc_name(KS_ENOTFOUND)
              << "\n";
    return 0;
}
