// Run queues, workers, TIMEOUT and auto-batching, in-process, with the fake backend plugin
// (tests/plugins/fake_backend.cpp) called directly rather than dlopen()ed.
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <thread>

#include "engine/executor.h"
#include "engine/run_queue.h"

extern "C" const insitu_backend_api* insitu_backend_get_api(uint32_t);

using namespace insitu::engine;
using namespace std::chrono_literals;

namespace {

const insitu_backend_api* fake() {
    return insitu_backend_get_api(INSITU_BACKEND_ABI_VERSION);
}

ModelPtr make_model(const std::string& blob, BatchOptions b = {}) {
    ModelDef d;
    d.device = "cpu";
    d.batch = b;
    auto m = Model::create(fake(), d, blob, BackendSettings{});
    m->stats = std::make_shared<RunStats>();
    return m;
}

Tensor floats(std::vector<float> v, std::vector<std::int64_t> dims) {
    Tensor t;
    t.dtype = insitu::TensorType::Float;
    t.dims = std::move(dims);
    auto b = std::make_shared<HeapBlob>(v.size() * 4);
    std::memcpy(b->mutable_data(), v.data(), v.size() * 4);
    t.blob = b;
    return t;
}

std::vector<float> values(const Tensor& t) {
    std::vector<float> v(t.data().size() / 4);
    std::memcpy(v.data(), t.data().data(), t.data().size());
    return v;
}

// Collects completed jobs and lets a test wait for them.
struct Done {
    std::mutex mu;
    std::condition_variable cv;
    int count = 0;
    void hit() {
        std::lock_guard l(mu);
        ++count;
        cv.notify_all();
    }
    bool wait(int n, std::chrono::milliseconds limit = 5000ms) {
        std::unique_lock l(mu);
        return cv.wait_for(l, limit, [&] { return count >= n; });
    }
};

std::unique_ptr<Job> model_job(const ModelPtr& m, Tensor in, Done& done, std::int64_t timeout = 0,
                               int n_out = 2) {
    auto j = std::make_unique<Job>();
    JobOp op;
    op.kind = DagOpKind::modelexecute;
    op.model = m;
    op.inputs = {"in"};
    op.outputs = {"out"};
    if (n_out == 2) op.outputs.push_back("rows");
    j->ops.push_back(op);
    j->tensors["in"] = std::move(in);
    j->timeout_ms = timeout;
    j->on_complete = [&done](Job&) { done.hit(); };
    return j;
}

}  // namespace

TEST(RunQueue, RunsAModelOnAWorker) {
    RunQueues qs(1);
    Done done;
    auto m = make_model("fake:double");
    auto j = model_job(m, floats({1, 2, 3}, {3}), done);
    qs.submit(j.get());
    ASSERT_TRUE(done.wait(1));
    EXPECT_EQ(j->ops[0].status, JobOp::Status::ok);
    EXPECT_EQ(values(*j->find_tensor("out")), (std::vector<float>{2, 4, 6}));
    EXPECT_EQ(m->stats->calls, 1);
    EXPECT_EQ(m->stats->samples, 3);
    EXPECT_EQ(qs.names(), std::vector<std::string>{"CPU"});
}

TEST(RunQueue, BackendErrorsLandInTheOpAndStats) {
    RunQueues qs(1);
    Done done;
    auto m = make_model("fake:fail");
    auto j = model_job(m, floats({1}, {1}), done, 0, 1);
    qs.submit(j.get());
    ASSERT_TRUE(done.wait(1));
    EXPECT_EQ(j->ops[0].status, JobOp::Status::error);
    EXPECT_EQ(j->ops[0].error, "ERR fake backend: this model always fails");
    EXPECT_EQ(m->stats->errors, 1);
}

TEST(RunQueue, TimeoutWhileQueuedGivesTimedOut) {
    RunQueues qs(1);
    Done done;
    auto slow = make_model("fake:sleep:300");
    auto blocker = model_job(slow, floats({1}, {1}), done, 0, 1);
    auto late = model_job(slow, floats({1}, {1}), done, 50, 1);
    qs.submit(blocker.get());
    qs.submit(late.get());
    ASSERT_TRUE(done.wait(2));
    EXPECT_FALSE(blocker->timed_out);
    EXPECT_TRUE(late->timed_out);
    EXPECT_EQ(late->ops[0].status, JobOp::Status::pending);
}

TEST(RunQueue, BatchesConcurrentRequestsAndSlicesOutputs) {
    RunQueues qs(1);
    Done done;
    auto slow = make_model("fake:sleep:200");
    auto m = make_model("fake:double", {4, 0, 0});
    // Hold the worker so that the requests queue up behind it and get batched.
    auto blocker = model_job(slow, floats({0}, {1}), done, 0, 1);
    qs.submit(blocker.get());
    std::this_thread::sleep_for(50ms);
    std::vector<std::unique_ptr<Job>> jobs;
    for (int i = 0; i < 3; ++i) {
        float base = 10.0f * static_cast<float>(i);
        jobs.push_back(model_job(m, floats({base, base + 1}, {2, 1}), done));
        qs.submit(jobs.back().get());
    }
    ASSERT_TRUE(done.wait(4));
    // The first two (2+2 rows) reach BATCHSIZE 4 and run together; the third runs alone.
    for (int i = 0; i < 3; ++i) {
        SCOPED_TRACE(i);
        float base = 10.0f * static_cast<float>(i);
        ASSERT_EQ(jobs[i]->ops[0].status, JobOp::Status::ok) << jobs[i]->ops[0].error;
        EXPECT_EQ(values(*jobs[i]->find_tensor("out")),
                  (std::vector<float>{2 * base, 2 * base + 2}));
        EXPECT_EQ(jobs[i]->find_tensor("out")->dims, (std::vector<std::int64_t>{2, 1}));
        float rows = i < 2 ? 4.0f : 2.0f;
        EXPECT_EQ(values(*jobs[i]->find_tensor("rows")), (std::vector<float>{rows, rows}));
    }
    EXPECT_EQ(m->stats->calls, 3);
    EXPECT_EQ(m->stats->samples, 6);
}

TEST(RunQueue, MinBatchSizeWaitsForMinBatchTimeout) {
    RunQueues qs(1);
    Done done;
    auto m = make_model("fake:double", {8, 4, 150});
    auto j = model_job(m, floats({1}, {1, 1}), done);
    auto t0 = std::chrono::steady_clock::now();
    qs.submit(j.get());
    ASSERT_TRUE(done.wait(1));
    auto waited = std::chrono::steady_clock::now() - t0;
    EXPECT_GE(waited, 140ms);
    EXPECT_LT(waited, 1000ms);
    EXPECT_EQ(j->ops[0].status, JobOp::Status::ok);
}

TEST(RunQueue, MinBatchSizeWithoutTimeoutIsBounded) {
    RunQueues qs(1);
    Done done;
    auto m = make_model("fake:double", {8, 4, 0});
    auto j = model_job(m, floats({1}, {1, 1}), done);
    auto t0 = std::chrono::steady_clock::now();
    qs.submit(j.get());
    ASSERT_TRUE(done.wait(1, 5000ms));
    auto waited = std::chrono::steady_clock::now() - t0;
    EXPECT_GE(waited, k_default_min_batch_wait - 10ms);
    EXPECT_LT(waited, k_default_min_batch_wait + 1000ms);
    EXPECT_EQ(j->ops[0].status, JobOp::Status::ok);
}

TEST(RunQueue, MinBatchSizeReachedRunsAtOnce) {
    RunQueues qs(1);
    Done done;
    auto m = make_model("fake:double", {4, 4, 0});
    std::vector<std::unique_ptr<Job>> jobs;
    auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < 4; ++i) {
        jobs.push_back(model_job(m, floats({float(i)}, {1}), done));
        qs.submit(jobs.back().get());
    }
    ASSERT_TRUE(done.wait(4));
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 900ms);
    for (int i = 0; i < 4; ++i) {
        EXPECT_EQ(values(*jobs[i]->find_tensor("out"))[0], 2.0f * i);
        EXPECT_EQ(values(*jobs[i]->find_tensor("rows"))[0], 4.0f);
    }
}

TEST(RunQueue, MinBatchWaitEndsWithTheRequestsTimeout) {
    RunQueues qs(1);
    Done done;
    auto m = make_model("fake:double", {8, 4, 0});
    auto j = model_job(m, floats({1}, {1}), done, 100);
    auto t0 = std::chrono::steady_clock::now();
    qs.submit(j.get());
    ASSERT_TRUE(done.wait(1));
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 900ms);
    EXPECT_TRUE(j->timed_out);
}

TEST(RunQueue, WrongBatchOutputIsAnError) {
    RunQueues qs(1);
    Done done;
    auto m = make_model("fake:badbatch", {4, 0, 0});
    auto j = model_job(m, floats({1, 2}, {2}), done, 0, 1);
    qs.submit(j.get());
    ASSERT_TRUE(done.wait(1));
    EXPECT_EQ(j->ops[0].error, "ERR Model did not generate the expected batch size");
}

TEST(RunQueue, SeveralThreadsPerQueueRunInParallel) {
    RunQueues qs(3);
    Done done;
    auto slow = make_model("fake:sleep:200");
    std::vector<std::unique_ptr<Job>> jobs;
    auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < 3; ++i) {
        jobs.push_back(model_job(slow, floats({1}, {1}), done, 0, 1));
        qs.submit(jobs.back().get());
    }
    ASSERT_TRUE(done.wait(3));
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 500ms);
    EXPECT_EQ(qs.find("cpu")->thread_cpu_seconds().size(), 3u);
}

TEST(Batching, ConcatAndSlice) {
    Tensor a = floats({1, 2, 3, 4}, {2, 2});
    Tensor b = floats({5, 6}, {1, 2});
    Tensor c = concat_dim0({&a, &b});
    EXPECT_EQ(c.dims, (std::vector<std::int64_t>{3, 2}));
    EXPECT_EQ(values(c), (std::vector<float>{1, 2, 3, 4, 5, 6}));
    Tensor s = slice_dim0(c, 2, 1);
    EXPECT_EQ(values(s), (std::vector<float>{5, 6}));
}
