// insitu::Pipeline: a queue of single-tensor calls settled through the client's batch calls
// (batch.cpp does the pipelining); this file only groups the queue into runs and hands each
// item's outcome to its promise.
#include <insitu/pipeline.h>

#include <exception>
#include <utility>

namespace insitu {

struct Pipeline::Item {
    enum class Kind { put, unpack, get };
    Kind kind = Kind::put;
    std::string name;
    InputTensor in;
    OutputTensor out;
    Client::TensorAllocator allocate;
    std::promise<void> done;
};

namespace {

// The exception the single call would have thrown for a batch item's failure.
std::exception_ptr exception_of(ErrorCode code, const std::string& message) {
    switch (code) {
        case ErrorCode::BadAlloc:
            return std::make_exception_ptr(BadAllocException(message));
        case ErrorCode::Database:
            return std::make_exception_ptr(DatabaseException(message));
        case ErrorCode::Runtime:
            return std::make_exception_ptr(RuntimeException(message));
        case ErrorCode::Parameter:
            return std::make_exception_ptr(ParameterException(message));
        case ErrorCode::Timeout:
            return std::make_exception_ptr(TimeoutException(message));
        case ErrorCode::Key:
            return std::make_exception_ptr(KeyException(message));
        case ErrorCode::Invalid:
            return std::make_exception_ptr(InvalidException(message));
        case ErrorCode::Type:
            return std::make_exception_ptr(TypeException(message));
        default:
            return std::make_exception_ptr(InternalException(message));
    }
}

// Runs one batch call for `run` and settles every promise: a BatchException fails its listed
// items (indexes into `run`), any other exception (the call refused its arguments) fails them all.
template <class Queued, class Call>
void settle(const std::vector<Queued*>& run, Call call) {
    if (run.empty()) return;
    std::vector<std::exception_ptr> errors(run.size());
    try {
        call();
    } catch (const BatchException& e) {
        for (const auto& f : e.failures()) errors.at(f.index) = exception_of(f.code, f.message);
    } catch (...) {
        for (auto& e : errors) e = std::current_exception();
    }
    for (std::size_t i = 0; i < run.size(); ++i) {
        if (errors[i])
            run[i]->done.set_exception(errors[i]);
        else
            run[i]->done.set_value();
    }
}

}  // namespace

Pipeline::Pipeline(Client& client, std::size_t window) : client_(&client), window_(window) {}

Pipeline::~Pipeline() {
    try {
        flush();
    } catch (...) {
        // Items' failures go to their futures; only an allocation failure can get here, and a
        // destructor must not throw (the futures left unsettled report broken_promise).
    }
}

std::size_t Pipeline::queued() const noexcept {
    return queue_.size();
}

std::future<void> Pipeline::enqueue(Item item) {
    std::future<void> f = item.done.get_future();
    queue_.push_back(std::move(item));
    if (window_ > 0 && queue_.size() >= window_) flush();
    return f;
}

std::future<void> Pipeline::put_tensor(const std::string& name, const void* data,
                                       const std::vector<std::size_t>& dims, TensorType type,
                                       MemoryLayout layout) {
    Item item;
    item.kind = Item::Kind::put;
    item.name = name;
    item.in = {data, dims, type, layout};
    return enqueue(std::move(item));
}

std::future<void> Pipeline::unpack_tensor(const std::string& name, void* data,
                                          const std::vector<std::size_t>& dims, TensorType type,
                                          MemoryLayout layout) {
    Item item;
    item.kind = Item::Kind::unpack;
    item.name = name;
    item.out = {data, dims, type, layout};
    return enqueue(std::move(item));
}

std::future<void> Pipeline::get_tensor_into(const std::string& name,
                                            Client::TensorAllocator allocate) {
    Item item;
    item.kind = Item::Kind::get;
    item.name = name;
    item.allocate = std::move(allocate);
    return enqueue(std::move(item));
}

void Pipeline::flush() {
    std::vector<Item> items = std::exchange(queue_, {});  // emptied even if a call throws
    for (std::size_t begin = 0; begin < items.size();) {
        const bool put = items[begin].kind == Item::Kind::put;
        std::size_t end = begin;
        while (end < items.size() && (items[end].kind == Item::Kind::put) == put) ++end;
        if (put)
            run_puts(items, begin, end);
        else
            run_reads(items, begin, end);
        begin = end;
    }
}

void Pipeline::run_puts(std::vector<Item>& items, std::size_t begin, std::size_t end) {
    std::vector<Item*> run;
    std::vector<std::string> names;
    std::vector<InputTensor> tensors;
    for (std::size_t i = begin; i < end; ++i) {
        run.push_back(&items[i]);
        names.push_back(items[i].name);
        tensors.push_back(items[i].in);
    }
    settle(run, [&] { client_->put_tensors(names, tensors); });
}

// Reads do not depend on each other: the unpacks and the allocated reads of a run are two batch
// calls (two round trips per shard when both kinds are queued).
void Pipeline::run_reads(std::vector<Item>& items, std::size_t begin, std::size_t end) {
    std::vector<Item*> unpacks, gets;
    std::vector<std::string> unpack_names, get_names;
    std::vector<OutputTensor> outs;
    for (std::size_t i = begin; i < end; ++i) {
        if (items[i].kind == Item::Kind::unpack) {
            unpacks.push_back(&items[i]);
            unpack_names.push_back(items[i].name);
            outs.push_back(items[i].out);
        } else {
            gets.push_back(&items[i]);
            get_names.push_back(items[i].name);
        }
    }
    settle(unpacks, [&] { client_->unpack_tensors(unpack_names, outs); });
    settle(gets, [&] {
        client_->get_tensors_into(
            get_names, [&](std::size_t i, TensorType type, const std::vector<std::size_t>& dims) {
                return gets[i]->allocate(type, dims);
            });
    });
}

}  // namespace insitu
