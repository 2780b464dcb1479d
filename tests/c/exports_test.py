"""libinsitu_c exports exactly the C API: every dynamic symbol it defines (nm -D) is a function
declared in include/insitu/insitu.h, with a C name, and every declared function is exported.
Usage: exports_test.py <libinsitu_c.so> <insitu.h>"""

import re
import subprocess
import sys


def main(lib, header):
    out = subprocess.run(["nm", "-D", "--defined-only", lib], capture_output=True, text=True,
                         check=True).stdout
    exported = {line.split()[-1] for line in out.splitlines() if line.strip()}
    text = re.sub(r"/\*.*?\*/", "", open(header).read(), flags=re.S)
    text = re.sub(r"#.*", "", text)
    declared = set(re.findall(r"(?:SRError|const\s+char\s*\*|void)\s+(\w+)\s*\([^;{]*\)\s*;", text))
    problems = []
    if len(declared) < 80:
        problems.append(f"only {len(declared)} declarations found in {header}")
    for name in sorted(exported - declared):
        kind = "a C++ symbol" if name.startswith("_Z") else "not declared in insitu.h"
        problems.append(f"exported but {kind}: {name}")
    for name in sorted(declared - exported):
        problems.append(f"declared but not exported: {name}")
    if problems:
        print("\n".join(problems))
        return 1
    print(f"{len(exported)} symbols exported, all of them the C API")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
