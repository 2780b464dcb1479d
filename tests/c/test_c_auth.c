/* C API against a database that requires authentication (the `auth` fixture: SR_DB_PASSWORD_FILE
 * is exported, INSITU_TEST_DB_DIR holds the ACL users' password files): the password from a file,
 * from SR_DB_PASSWORD and from an SSDB URL; ACL users and NOPERM; wrong and missing passwords fail
 * fast with "authentication failed"; a password file others may read is refused. */
#define _POSIX_C_SOURCE 200112L
#include "check.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>

static char dir[4096];
static char first_node[256]; /* the first SSDB entry, host:port */

static void read_secret(const char* name, char* out, size_t size) {
    char path[4200];
    FILE* f;
    size_t n;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    f = fopen(path, "r");
    out[0] = '\0';
    CHECK(f != NULL);
    if (!f) return;
    n = fread(out, 1, size - 1, f);
    fclose(f);
    out[n] = '\0';
    while (n > 0 && (out[n - 1] == '\n' || out[n - 1] == '\r')) out[--n] = '\0';
}

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* A client from the environment with `name`=`value` overrides (NULL: none); the SRError. The
 * options are released by the next call (releasing them now would clear the last error). */
static void* cfg = NULL;
static SRError make_client(const char* name, const char* value, void** client) {
    CHECK_OK(DeleteConfigOptions(&cfg));
    CHECK_OK(create_configoptions_from_environment(NULL, 0, &cfg));
    CHECK_OK(override_integer_option(cfg, S("SR_CONN_TIMEOUT"), 20));
    CHECK_OK(override_integer_option(cfg, S("SR_CMD_TIMEOUT"), 20));
    if (name) CHECK_OK(override_string_option(cfg, name, strlen(name), value, strlen(value)));
    return CreateClient(cfg, S("c_auth"), client);
}

static void round_trip(void* client, const char* key, float value) {
    float in[8], out[8];
    size_t dims[1] = {8};
    int i;
    for (i = 0; i < 8; ++i) in[i] = value + (float)i;
    CHECK_OK(put_tensor(client, key, strlen(key), in, dims, 1, SRTensorTypeFloat,
                        SRMemLayoutContiguous));
    CHECK_OK(unpack_tensor(client, key, strlen(key), out, dims, 1, SRTensorTypeFloat,
                           SRMemLayoutContiguous));
    CHECK(memcmp(in, out, sizeof in) == 0);
}

static void password_sources(void) {
    void* client = NULL;
    char password[256];
    /* SR_DB_PASSWORD_FILE, exported by the fixture. */
    CHECK_OK(SimpleCreateClient(S("c_auth_file"), &client));
    round_trip(client, "c_auth_file", 1.0f);
    CHECK_OK(DeleteCClient(&client));

    /* SR_DB_PASSWORD instead. */
    read_secret("password", password, sizeof password);
    unsetenv("SR_DB_PASSWORD_FILE");
    setenv("SR_DB_PASSWORD", password, 1);
    CHECK_OK(SimpleCreateClient(S("c_auth_env"), &client));
    round_trip(client, "c_auth_env", 2.0f);
    CHECK_OK(DeleteCClient(&client));
    unsetenv("SR_DB_PASSWORD");
}

static void missing_and_wrong(void) {
    void* client = NULL;
    double t0;
    /* Neither variable set (ConfigOptions reads the environment when asked). */
    t0 = now_s();
    CHECK_RC(make_client(NULL, NULL, &client), SRDatabaseError);
    CHECK(now_s() - t0 < 2.0);
    CHECK_ERROR_TEXT("authentication failed at");
    CHECK_ERROR_TEXT("requires a password");
    CHECK(client == NULL);

    t0 = now_s();
    CHECK_RC(make_client("SR_DB_PASSWORD", "c-wrong-secret", &client), SRDatabaseError);
    CHECK(now_s() - t0 < 2.0);
    CHECK_ERROR_TEXT("authentication failed at");
    CHECK_ERROR_TEXT("wrong user name or password");
    CHECK(strstr(SRGetLastError(), "c-wrong-secret") == NULL);
}

static void url_and_acl_users(void) {
    void* client = NULL;
    char app[256], reader[256], url[1024];
    float out[8];
    size_t dims[1] = {8};
    read_secret("app.password", app, sizeof app);
    read_secret("reader.password", reader, sizeof reader);

    snprintf(url, sizeof url, "redis://app:%s@%s", app, first_node);
    CHECK_OK(make_client("SSDB", url, &client));
    round_trip(client, "c_auth_app", 3.0f);
    CHECK_RC(flush_db(client, first_node, strlen(first_node)), SRDatabaseError);
    CHECK_ERROR_TEXT("permission denied: user 'app' may not run FLUSHDB");
    CHECK(strstr(SRGetLastError(), app) == NULL);
    CHECK_OK(DeleteCClient(&client));

    /* The read-only user reads what the application wrote, and may not write. */
    setenv("SR_DB_USER", "reader", 1);
    setenv("SR_DB_PASSWORD", reader, 1);
    CHECK_OK(make_client(NULL, NULL, &client));
    CHECK_OK(unpack_tensor(client, S("c_auth_app"), out, dims, 1, SRTensorTypeFloat,
                           SRMemLayoutContiguous));
    CHECK(out[0] == 3.0f && out[7] == 10.0f);
    CHECK_RC(
        put_tensor(client, S("c_auth_app"), out, dims, 1, SRTensorTypeFloat, SRMemLayoutContiguous),
        SRDatabaseError);
    CHECK_ERROR_TEXT("permission denied: user 'reader' may not run AI.TENSORSET");
    CHECK(strstr(SRGetLastError(), reader) == NULL);
    CHECK_OK(DeleteCClient(&client));
    unsetenv("SR_DB_USER");
    unsetenv("SR_DB_PASSWORD");
}

static void password_file_modes(void) {
    void* client = NULL;
    char password[256], path[4200];
    FILE* f;
    read_secret("password", password, sizeof password);
    snprintf(path, sizeof path, "%s/c_auth_copy.password", dir);
    f = fopen(path, "w");
    CHECK(f != NULL);
    if (!f) return;
    fprintf(f, "%s\n", password);
    fclose(f);
    chmod(path, 0644);
    CHECK_RC(make_client("SR_DB_PASSWORD_FILE", path, &client), SRParameterError);
    CHECK_ERROR_TEXT(path);
    CHECK_ERROR_TEXT("mode 0644");
    chmod(path, 0600);
    CHECK_OK(make_client("SR_DB_PASSWORD_FILE", path, &client));
    round_trip(client, "c_auth_private_file", 4.0f);
    CHECK_OK(DeleteCClient(&client));
    remove(path);
}

int main(void) {
    const char* d = getenv("INSITU_TEST_DB_DIR");
    const char* ssdb = getenv("SSDB");
    size_t n;
    if (!d || !ssdb || !getenv("SR_DB_PASSWORD_FILE")) {
        fprintf(stderr, "test_c_auth: run through the auth database fixture\n");
        return 1;
    }
    snprintf(dir, sizeof dir, "%s", d);
    n = strcspn(ssdb, ",");
    if (n >= sizeof first_node) n = sizeof first_node - 1;
    memcpy(first_node, ssdb, n);
    first_node[n] = '\0';

    password_sources();
    missing_and_wrong();
    url_and_acl_users();
    /* password_sources unset the file variable; the rest sets what it needs. */
    password_file_modes();
    CHECK_OK(DeleteConfigOptions(&cfg));
    return check_report("test_c_auth");
}
