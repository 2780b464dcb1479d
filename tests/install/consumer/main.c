/* C against an installed insitu: consumer_c SRC DST reads SRC (float32 [3], from SSDB), checks
 * it is [a, b, c] (the remaining arguments) and stores DST = 2 * SRC. */
#include <insitu/insitu.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char** argv) {
    if (argc != 6) {
        fprintf(stderr, "usage: consumer_c SRC DST a b c\n");
        return 2;
    }
    void* client = NULL;
    if (SimpleCreateClient("consumer_c", 10, &client) != SRNoError) {
        fprintf(stderr, "consumer_c: %s\n", SRGetLastError());
        return 3;
    }
    float x[3] = {0, 0, 0};
    size_t dims[1] = {3};
    if (unpack_tensor(client, argv[1], strlen(argv[1]), x, dims, 1, SRTensorTypeFloat,
                      SRMemLayoutContiguous) != SRNoError) {
        fprintf(stderr, "consumer_c: unpack %s: %s\n", argv[1], SRGetLastError());
        return 3;
    }
    int ok = 1;
    for (int i = 0; i < 3; ++i) {
        ok = ok && x[i] == strtof(argv[3 + i], NULL);
        x[i] *= 2;
    }
    if (ok && put_tensor(client, argv[2], strlen(argv[2]), x, dims, 1, SRTensorTypeFloat,
                         SRMemLayoutContiguous) != SRNoError) {
        fprintf(stderr, "consumer_c: put %s: %s\n", argv[2], SRGetLastError());
        return 3;
    }
    printf("C %s -> %s = [%g %g %g] %s\n", argv[1], argv[2], x[0], x[1], x[2], ok ? "ok" : "WRONG");
    DeleteCClient(&client);
    return ok ? 0 : 1;
}
