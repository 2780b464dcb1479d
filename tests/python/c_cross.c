/* Cross-language helper for the Python tests (C99, C API only):
 *   c_cross write <name>  stores a 3x4 double array a(i,j) = 10*i + j (1-based) from column-major
 *                         memory (SRMemLayoutFortranContiguous)
 *   c_cross check <name>  reads a 2x3 int32 tensor row-major and checks t[i][j] = 10*i + j
 * Exit status 0 on success. */
#include <insitu/insitu.h>

#include <stdio.h>
#include <string.h>

static int fail(const char* what, SRError rc) {
    fprintf(stderr, "c_cross: %s failed: %s: %s\n", what, SRErrorName(rc), SRGetLastError());
    return 1;
}

int main(int argc, char** argv) {
    if (argc != 3) return 2;
    void* client = NULL;
    SRError rc = SimpleCreateClient("c_cross", 7, &client);
    if (rc != SRNoError) return fail("SimpleCreateClient", rc);
    int status = 0;
    if (strcmp(argv[1], "write") == 0) {
        double a[12]; /* column-major 3x4 */
        for (int j = 1; j <= 4; ++j)
            for (int i = 1; i <= 3; ++i) a[(j - 1) * 3 + (i - 1)] = 10.0 * i + j;
        const size_t dims[2] = {3, 4};
        rc = put_tensor(client, argv[2], strlen(argv[2]), a, dims, 2, SRTensorTypeDouble,
                        SRMemLayoutFortranContiguous);
        if (rc != SRNoError) status = fail("put_tensor", rc);
    } else {
        int32_t t[2][3];
        const size_t dims[2] = {2, 3};
        rc = unpack_tensor(client, argv[2], strlen(argv[2]), t, dims, 2, SRTensorTypeInt32,
                           SRMemLayoutContiguous);
        if (rc != SRNoError) {
            status = fail("unpack_tensor", rc);
        } else {
            for (int i = 0; i < 2; ++i)
                for (int j = 0; j < 3; ++j)
                    if (t[i][j] != 10 * (i + 1) + (j + 1)) {
                        fprintf(stderr, "c_cross: t[%d][%d] = %d\n", i, j, (int)t[i][j]);
                        status = 1;
                    }
        }
    }
    DeleteCClient(&client);
    return status;
}
