/* C API construction: ConfigOptions (environment with and without suffix, overrides), clients
 * from the environment and from options, bad addresses, wrong and stale handles. */
#define _POSIX_C_SOURCE 200112L
#include "check.h"

#include <stdlib.h>

static void config_options(void) {
    const char* ssdb = getenv("SSDB");
    void* cfg = NULL;
    CHECK_OK(create_configoptions_from_environment(NULL, 0, &cfg));
    bool set = false;
    CHECK_OK(is_configured(cfg, S("SSDB"), &set));
    CHECK(set);
    char* value = NULL;
    size_t len = 0;
    CHECK_OK(get_string_option(cfg, S("SSDB"), &value, &len));
    CHECK(value != NULL && len == strlen(ssdb) && strcmp(value, ssdb) == 0);
    SRFreeBuffer(value);
    CHECK_OK(is_configured(cfg, S("INSITU_C_NOT_SET"), &set));
    CHECK(!set);
    int64_t i = 0;
    CHECK_RC(get_integer_option(cfg, S("INSITU_C_NOT_SET"), &i), SRKeyError);
    CHECK_ERROR_TEXT("INSITU_C_NOT_SET");
    CHECK(strcmp(SRGetLastErrorLocation(), "get_integer_option") == 0);
    CHECK_RC(get_string_option(cfg, S("INSITU_C_NOT_SET"), &value, &len), SRKeyError);
    CHECK_OK(override_integer_option(cfg, S("INSITU_C_INT"), 42));
    CHECK_OK(get_integer_option(cfg, S("INSITU_C_INT"), &i));
    CHECK(i == 42);
    CHECK_OK(override_string_option(cfg, S("INSITU_C_STR"), S("hello")));
    CHECK_OK(get_string_option(cfg, S("INSITU_C_STR"), &value, &len));
    CHECK(len == 5 && strcmp(value, "hello") == 0);
    SRFreeBuffer(value);
    CHECK_RC(get_integer_option(cfg, S("INSITU_C_STR"), &i), SRParameterError);
    CHECK_OK(DeleteConfigOptions(&cfg));
    CHECK(cfg == NULL);
    CHECK_OK(DeleteConfigOptions(&cfg)); /* deleting NULL is a no-op */

    /* A suffix reads <NAME>_<suffix>. */
    setenv("SSDB_CTEST", ssdb, 1);
    setenv("SR_DB_TYPE_CTEST", getenv("SR_DB_TYPE"), 1);
    setenv("SR_CONN_TIMEOUT_CTEST", "7", 1);
    /* What a TLS (SR_TLS_CA_FILE) or password-protected database needs, under the suffix too. */
    const char* optional[] = {"SR_TLS_CA_FILE", "SR_DB_USER", "SR_DB_PASSWORD_FILE"};
    for (size_t k = 0; k < sizeof optional / sizeof optional[0]; ++k) {
        char name[64];
        snprintf(name, sizeof name, "%s_CTEST", optional[k]);
        if (getenv(optional[k])) setenv(name, getenv(optional[k]), 1);
    }
    CHECK_OK(create_configoptions_from_environment(S("CTEST"), &cfg));
    CHECK_OK(get_integer_option(cfg, S("SR_CONN_TIMEOUT"), &i));
    CHECK(i == 7);
    void* client = NULL;
    CHECK_OK(CreateClient(cfg, S("c_from_cfg"), &client));
    CHECK(client != NULL);
    /* The client keeps its own copy: the options may go first. */
    CHECK_OK(DeleteConfigOptions(&cfg));
    bool exists = true;
    CHECK_OK(key_exists(client, S("c_client_nothing"), &exists));
    CHECK(!exists);
    char* desc = NULL;
    CHECK_OK(client_to_string(client, &desc, &len));
    CHECK(desc != NULL && len == strlen(desc) && len > 0);
    SRFreeBuffer(desc);
    bool cluster = true;
    CHECK_OK(is_cluster(client, &cluster));
    CHECK(cluster == (strcmp(getenv("SR_DB_TYPE"), "Clustered") == 0));
    CHECK_OK(DeleteCClient(&client));
}

static void bad_addresses(void) {
    void* cfg = NULL;
    void* client = NULL;
    /* malformed address: a parameter error naming the variable */
    CHECK_OK(create_configoptions_from_environment(NULL, 0, &cfg));
    CHECK_OK(override_string_option(cfg, S("SSDB"), S("not an address!")));
    CHECK_RC(CreateClient(cfg, S("c_bad"), &client), SRParameterError);
    CHECK_ERROR_TEXT("SSDB");
    CHECK(strcmp(SRGetLastErrorLocation(), "CreateClient") == 0);
    CHECK(client == NULL);
    /* nothing listening: a database error within the connect budget (rediss:// where the
     * environment names a TLS database: a CA without rediss:// is refused before connecting) */
    if (strncmp(getenv("SSDB"), "rediss://", 9) == 0)
        CHECK_OK(override_string_option(cfg, S("SSDB"), S("rediss://127.0.0.1:1")));
    else
        CHECK_OK(override_string_option(cfg, S("SSDB"), S("127.0.0.1:1")));
    CHECK_OK(override_string_option(cfg, S("SR_DB_TYPE"), S("Standalone")));
    CHECK_OK(override_integer_option(cfg, S("SR_CONN_TIMEOUT"), 1));
    CHECK_OK(override_integer_option(cfg, S("SR_CONN_INTERVAL"), 100));
    SRError rc = CreateClient(cfg, S("c_bad"), &client);
    CHECK(rc == SRDatabaseError || rc == SRTimeoutError);
    CHECK_ERROR_TEXT("127.0.0.1:1");
    CHECK(client == NULL);
    CHECK_OK(DeleteConfigOptions(&cfg));

    /* from the environment */
    const char* ssdb = getenv("SSDB");
    char saved[1024];
    snprintf(saved, sizeof saved, "%s", ssdb);
    setenv("SSDB", "bad address", 1);
    CHECK_RC(SimpleCreateClient(S("c_bad"), &client), SRParameterError);
    unsetenv("SSDB");
    CHECK_RC(SimpleCreateClient(S("c_bad"), &client), SRParameterError);
    CHECK_ERROR_TEXT("SSDB");
    setenv("SSDB", saved, 1);
}

static void handles(void) {
    void* client = NULL;
    void* cfg = NULL;
    bool exists = false;
    CHECK_RC(key_exists(NULL, S("k"), &exists), SRParameterError);
    CHECK_ERROR_TEXT("null");
    CHECK_OK(create_configoptions_from_environment(NULL, 0, &cfg));
    /* a ConfigOptions handle where a client is expected, and the reverse */
    CHECK_RC(key_exists(cfg, S("k"), &exists), SRParameterError);
    CHECK_OK(SimpleCreateClient(S("c_handles"), &client));
    CHECK_RC(get_integer_option(client, S("SSDB"), NULL), SRParameterError);
    CHECK_RC(CreateClient(client, S("c_handles"), &cfg), SRParameterError);
    CHECK_RC(SimpleCreateClient(S("c_handles"), NULL), SRParameterError);
    /* the deprecated constructor */
    void* old = NULL;
    CHECK_OK(SmartRedisCClient(strcmp(getenv("SR_DB_TYPE"), "Clustered") == 0, S("c_old"), &old));
    CHECK_OK(key_exists(old, S("k"), &exists));
    CHECK_OK(DeleteCClient(&old));
    CHECK_OK(DeleteConfigOptions(&cfg));
    CHECK_OK(DeleteCClient(&client));
    CHECK_OK(DeleteCClient(&client));
    CHECK_OK(DeleteCClient(NULL));
}

int main(void) {
    config_options();
    bad_addresses();
    handles();
    CHECK(strcmp(SRErrorName(SRTypeError), "SRTypeError") == 0);
    CHECK(SRKeyError == 7 && SRTypeError == 9 && SRParameterError == 5 && SRDatabaseError == 2);
    return check_report("test_c_client");
}
