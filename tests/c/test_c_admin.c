/* C API administration: node info and CONFIG GET as JSON, CONFIG SET, SAVE, FLUSHDB, and bad
 * addresses. */
#define _POSIX_C_SOURCE 200112L
#include "check.h"

#include <stdlib.h>

int main(void) {
    void* client = NULL;
    CHECK_OK(SimpleCreateClient(S("c_admin"), &client));
    if (!client) return check_report("test_c_admin");
    /* the first address of SSDB is a node */
    char addr[256];
    snprintf(addr, sizeof addr, "%s", getenv("SSDB"));
    char* comma = strchr(addr, ',');
    if (comma) *comma = '\0';
    size_t alen = strlen(addr);

    char* json = NULL;
    size_t len = 0;
    CHECK_OK(get_db_node_info(client, addr, alen, &json, &len));
    CHECK(json != NULL && len == strlen(json));
    CHECK(json && json[0] == '{' && strstr(json, "\"redis_version\": \"") != NULL);
    CHECK(json && strstr(json, "\"Server\": {") != NULL);
    SRFreeBuffer(json);

    CHECK_OK(config_set(client, S("maxmemory-policy"), S("allkeys-lru"), addr, alen));
    CHECK_OK(config_get(client, S("maxmemory-policy"), addr, alen, &json, &len));
    CHECK(json && strcmp(json, "{\"maxmemory-policy\": \"allkeys-lru\"}") == 0);
    SRFreeBuffer(json);
    CHECK_OK(config_set(client, S("maxmemory-policy"), S("noeviction"), addr, alen));
    CHECK_RC(config_set(client, S("no-such-parameter"), S("1"), addr, alen), SRDatabaseError);

    bool cluster = false;
    CHECK_OK(is_cluster(client, &cluster));
    if (cluster) {
        CHECK_OK(get_db_cluster_info(client, addr, alen, &json, &len));
        CHECK(json && strstr(json, "\"cluster_state\": \"ok\"") != NULL);
        SRFreeBuffer(json);
    } else {
        CHECK_RC(get_db_cluster_info(client, addr, alen, &json, &len), SRRuntimeError);
    }

    CHECK_OK(save(client, addr, alen));
    const size_t dims[1] = {1};
    double d = 1.0;
    bool exists = false;
    CHECK_OK(
        put_tensor(client, S("c_admin_t"), &d, dims, 1, SRTensorTypeDouble, SRMemLayoutContiguous));
    CHECK_OK(flush_db(client, addr, alen));
    if (!cluster) {
        CHECK_OK(tensor_exists(client, S("c_admin_t"), &exists));
        CHECK(!exists);
    }

    /* not a node of this database */
    CHECK_RC(get_db_node_info(client, S("127.0.0.1:1"), &json, &len), SRParameterError);
    CHECK_ERROR_TEXT("127.0.0.1:1");
    CHECK(strcmp(SRGetLastErrorLocation(), "get_db_node_info") == 0);
    CHECK_RC(flush_db(client, S("nonsense")), SRParameterError);
    CHECK_RC(save(client, S("127.0.0.1:1")), SRParameterError);
    CHECK_RC(config_get(client, S("*"), addr, alen, NULL, &len), SRParameterError);

    CHECK_OK(DeleteCClient(&client));
    return check_report("test_c_admin");
}
