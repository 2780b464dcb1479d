// C API: the client's dataset and aggregation-list calls.
#include "handles.h"

#include <cstdlib>

using namespace insitu;
using namespace insitu::capi;

namespace {

// A malloc'ed array of new dataset handles (the caller owns the array and each handle).
void hand_out(std::vector<DataSet> list, void*** datasets, size_t* num) {
    void*** d = out(datasets, "datasets");
    size_t* n = out(num, "num_datasets");
    void** array =
        static_cast<void**>(std::malloc(sizeof(void*) * (list.empty() ? 1 : list.size())));
    if (array == nullptr) throw BadAllocException("no memory for the dataset list");
    std::size_t made = 0;
    try {
        for (DataSet& ds : list) array[made++] = new DatasetHandle(std::move(ds));
    } catch (...) {
        for (std::size_t i = 0; i < made; ++i) delete static_cast<DatasetHandle*>(array[i]);
        std::free(array);
        throw;
    }
    *d = array;
    *n = list.size();
}

}  // namespace

extern "C" {

SRError put_dataset(void* c_client, void* dataset) {
    return guard("put_dataset",
                 [&] { client(c_client).put_dataset(dataset_handle(dataset).dataset); });
}

SRError get_dataset(void* c_client, const char* name, size_t name_length, void** dataset) {
    return guard("get_dataset", [&] {
        void** o = out(dataset, "dataset");
        *o = new DatasetHandle(client(c_client).get_dataset(str(name, name_length, "name")));
    });
}

SRError rename_dataset(void* c_client, const char* old_name, size_t old_name_length,
                       const char* new_name, size_t new_name_length) {
    return guard("rename_dataset", [&] {
        client(c_client).rename_dataset(str(old_name, old_name_length, "old_name"),
                                        str(new_name, new_name_length, "new_name"));
    });
}

SRError copy_dataset(void* c_client, const char* src_name, size_t src_name_length,
                     const char* dest_name, size_t dest_name_length) {
    return guard("copy_dataset", [&] {
        client(c_client).copy_dataset(str(src_name, src_name_length, "src_name"),
                                      str(dest_name, dest_name_length, "dest_name"));
    });
}

SRError delete_dataset(void* c_client, const char* name, size_t name_length) {
    return guard("delete_dataset",
                 [&] { client(c_client).delete_dataset(str(name, name_length, "name")); });
}

SRError dataset_exists(void* c_client, const char* name, size_t name_length, bool* exists) {
    return guard("dataset_exists", [&] {
        bool* o = out(exists, "exists");
        *o = client(c_client).dataset_exists(str(name, name_length, "name"));
    });
}

SRError poll_dataset(void* c_client, const char* name, size_t name_length, int poll_frequency_ms,
                     int num_tries, bool* exists) {
    return guard("poll_dataset", [&] {
        bool* o = out(exists, "exists");
        *o = client(c_client).poll_dataset(str(name, name_length, "name"), poll_frequency_ms,
                                           num_tries);
    });
}

SRError append_to_list(void* c_client, const char* list_name, size_t list_name_length,
                       void* dataset) {
    return guard("append_to_list", [&] {
        client(c_client).append_to_list(str(list_name, list_name_length, "list_name"),
                                        dataset_handle(dataset).dataset);
    });
}

SRError delete_list(void* c_client, const char* list_name, size_t list_name_length) {
    return guard("delete_list", [&] {
        client(c_client).delete_list(str(list_name, list_name_length, "list_name"));
    });
}

SRError copy_list(void* c_client, const char* src_name, size_t src_name_length,
                  const char* dest_name, size_t dest_name_length) {
    return guard("copy_list", [&] {
        client(c_client).copy_list(str(src_name, src_name_length, "src_name"),
                                   str(dest_name, dest_name_length, "dest_name"));
    });
}

SRError rename_list(void* c_client, const char* src_name, size_t src_name_length,
                    const char* dest_name, size_t dest_name_length) {
    return guard("rename_list", [&] {
        client(c_client).rename_list(str(src_name, src_name_length, "src_name"),
                                     str(dest_name, dest_name_length, "dest_name"));
    });
}

SRError get_list_length(void* c_client, const char* list_name, size_t list_name_length,
                        int* result_length) {
    return guard("get_list_length", [&] {
        int* o = out(result_length, "result_length");
        *o = client(c_client).get_list_length(str(list_name, list_name_length, "list_name"));
    });
}

SRError poll_list_length(void* c_client, const char* list_name, size_t list_name_length,
                         int list_length, int poll_frequency_ms, int num_tries, bool* poll_result) {
    return guard("poll_list_length", [&] {
        bool* o = out(poll_result, "poll_result");
        *o = client(c_client).poll_list_length(str(list_name, list_name_length, "list_name"),
                                               list_length, poll_frequency_ms, num_tries);
    });
}

SRError poll_list_length_gte(void* c_client, const char* list_name, size_t list_name_length,
                             int list_length, int poll_frequency_ms, int num_tries,
                             bool* poll_result) {
    return guard("poll_list_length_gte", [&] {
        bool* o = out(poll_result, "poll_result");
        *o = client(c_client).poll_list_length_gte(str(list_name, list_name_length, "list_name"),
                                                   list_length, poll_frequency_ms, num_tries);
    });
}

SRError poll_list_length_lte(void* c_client, const char* list_name, size_t list_name_length,
                             int list_length, int poll_frequency_ms, int num_tries,
                             bool* poll_result) {
    return guard("poll_list_length_lte", [&] {
        bool* o = out(poll_result, "poll_result");
        *o = client(c_client).poll_list_length_lte(str(list_name, list_name_length, "list_name"),
                                                   list_length, poll_frequency_ms, num_tries);
    });
}

SRError get_datasets_from_list(void* c_client, const char* list_name, size_t list_name_length,
                               void*** datasets, size_t* num_datasets) {
    return guard("get_datasets_from_list", [&] {
        out(datasets, "datasets");
        out(num_datasets, "num_datasets");
        hand_out(
            client(c_client).get_datasets_from_list(str(list_name, list_name_length, "list_name")),
            datasets, num_datasets);
    });
}

SRError get_dataset_list_range(void* c_client, const char* list_name, size_t list_name_length,
                               int start_index, int end_index, void*** datasets,
                               size_t* num_datasets) {
    return guard("get_dataset_list_range", [&] {
        out(datasets, "datasets");
        out(num_datasets, "num_datasets");
        hand_out(client(c_client).get_dataset_list_range(
                     str(list_name, list_name_length, "list_name"), start_index, end_index),
                 datasets, num_datasets);
    });
}

}  // extern "C"
