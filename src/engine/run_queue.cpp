#include "engine/run_queue.h"

#include <pthread.h>

#include <ctime>

#include "core/text.h"
#include "engine/executor.h"

namespace insitu::engine {

using Clock = std::chrono::steady_clock;

RunQueue::RunQueue(std::string name, int threads, RunQueues& owner)
    : name_(std::move(name)), owner_(owner) {
    for (int i = 0; i < (threads > 0 ? threads : 1); ++i)
        threads_.emplace_back([this] { worker(); });
    timer_ = std::thread([this] { timer(); });
}

RunQueue::~RunQueue() {
    {
        std::lock_guard lock(mu_);
        stop_ = true;
    }
    cv_.notify_all();
    timer_cv_.notify_all();
    for (auto& t : threads_) t.join();
    timer_.join();
}

void RunQueue::push(Job* job, bool front) {
    {
        std::lock_guard lock(mu_);
        if (front)
            items_.push_front(job);
        else
            items_.push_back(job);
    }
    cv_.notify_one();
    if (job->timeout_ms > 0) timer_cv_.notify_one();
}

std::size_t RunQueue::size() const {
    std::lock_guard lock(mu_);
    return items_.size();
}

bool RunQueue::idle() const {
    std::lock_guard lock(mu_);
    return items_.empty() && busy_ == 0;
}

std::vector<double> RunQueue::thread_cpu_seconds() const {
    std::vector<double> out;
    for (const auto& t : threads_) {
        clockid_t cid;
        timespec ts{};
        auto h = const_cast<std::thread&>(t).native_handle();
        if (pthread_getcpuclockid(h, &cid) == 0 && clock_gettime(cid, &ts) == 0)
            out.push_back(static_cast<double>(ts.tv_sec) + ts.tv_nsec / 1e9);
        else
            out.push_back(0);
    }
    return out;
}

void RunQueue::expire(std::vector<Job*>& expired, Clock::time_point& wake, bool& has_wake) {
    auto now = Clock::now();
    for (auto it = items_.begin(); it != items_.end();) {
        Job* j = *it;
        if (j->timeout_ms > 0) {
            auto deadline = j->enqueued + std::chrono::milliseconds(j->timeout_ms);
            if (now >= deadline) {
                expired.push_back(j);
                it = items_.erase(it);
                continue;
            }
            if (!has_wake || deadline < wake) wake = deadline;
            has_wake = true;
        }
        ++it;
    }
}

void RunQueue::timer() {
    std::unique_lock lock(mu_);
    while (!stop_) {
        std::vector<Job*> expired;
        Clock::time_point wake{};
        bool has_wake = false;
        expire(expired, wake, has_wake);
        if (expired.empty()) {
            if (has_wake)
                timer_cv_.wait_until(lock, wake);
            else
                timer_cv_.wait(lock);
            continue;
        }
        lock.unlock();
        for (Job* j : expired) {
            j->timed_out = true;
            j->next = j->ops.size();
            j->on_complete(*j);
        }
        lock.lock();
    }
}

void RunQueue::pick(std::vector<Job*>& expired, std::vector<Job*>& batch, Clock::time_point& wake,
                    bool& has_wake) {
    auto now = Clock::now();
    auto earliest = [&](Clock::time_point t) {
        if (!has_wake || t < wake) wake = t;
        has_wake = true;
    };
    expire(expired, wake, has_wake);
    if (!expired.empty()) return;

    std::vector<bool> claimed(items_.size(), false);
    for (std::size_t i = 0; i < items_.size(); ++i) {
        if (claimed[i]) continue;
        Job* j = items_[i];
        const JobOp& op = j->ops[j->next];
        const BatchOptions& bo = op.is_model() ? op.model->def().batch : BatchOptions{};
        std::int64_t bs = bo.batchsize > 0 ? request_batch_size(*j) : 0;
        std::vector<std::size_t> group{i};
        if (bs > 0 && bs < bo.batchsize) {
            std::int64_t total = bs;
            for (std::size_t k = i + 1; k < items_.size() && total < bo.batchsize; ++k) {
                if (claimed[k] || !batch_compatible(*j, *items_[k])) continue;
                group.push_back(k);
                total += request_batch_size(*items_[k]);
            }
            if (bo.minbatchsize > 0 && total < bo.minbatchsize) {
                auto wait = bo.minbatchtimeout > 0 ? std::chrono::milliseconds(bo.minbatchtimeout)
                                                   : k_default_min_batch_wait;
                auto deadline = j->enqueued + wait;
                if (now < deadline) {
                    // Not ready: these requests wait together; look further down the queue.
                    for (auto k : group) claimed[k] = true;
                    earliest(deadline);
                    continue;
                }
            }
        }
        for (auto k : group) batch.push_back(items_[k]);
        for (auto it = group.rbegin(); it != group.rend(); ++it)
            items_.erase(items_.begin() + static_cast<std::ptrdiff_t>(*it));
        return;
    }
}

void RunQueue::worker() {
    std::unique_lock lock(mu_);
    while (!stop_) {
        std::vector<Job*> expired, batch;
        Clock::time_point wake{};
        bool has_wake = false;
        pick(expired, batch, wake, has_wake);
        if (expired.empty() && batch.empty()) {
            if (has_wake)
                cv_.wait_until(lock, wake);
            else
                cv_.wait(lock);
            continue;
        }
        if (!batch.empty()) ++busy_;
        lock.unlock();
        for (Job* j : expired) {
            j->timed_out = true;
            j->next = j->ops.size();
            j->on_complete(*j);
        }
        if (!batch.empty()) {
            execute_current_op(batch);
            {
                // Idle again before the replies go out: the client's next request must not
                // find this worker busy just because it has not come back to the lock yet.
                std::lock_guard done(mu_);
                --busy_;
            }
            for (Job* j : batch) owner_.route(j, this);
        }
        lock.lock();
    }
}

RunQueues::~RunQueues() {
    std::lock_guard lock(mu_);
    queues_.clear();
}

RunQueue& RunQueues::ensure(const std::string& device) {
    std::string name = core::to_upper(device);
    std::lock_guard lock(mu_);
    auto& q = queues_[name];
    if (!q) q = std::make_unique<RunQueue>(name, threads_, *this);
    return *q;
}

RunQueue* RunQueues::find(const std::string& device) const {
    std::lock_guard lock(mu_);
    auto it = queues_.find(core::to_upper(device));
    return it == queues_.end() ? nullptr : it->second.get();
}

bool RunQueues::idle(const std::string& device) const {
    RunQueue* q = find(device);
    return !q || q->idle();
}

std::vector<std::string> RunQueues::names() const {
    std::lock_guard lock(mu_);
    std::vector<std::string> out;
    for (const auto& [k, v] : queues_) out.push_back(k);
    return out;
}

void RunQueues::submit(Job* job) {
    if (!job->submitted) {
        job->submitted = true;
        job->enqueued = Clock::now();
    }
    route(job, nullptr);
}

void RunQueues::route(Job* job, const RunQueue* from) {
    if (!job->advance_to_compute()) {
        job->on_complete(*job);
        return;
    }
    RunQueue& q = ensure(job->ops[job->next].queue());
    // A job that continues on the same device goes back to the front, as in RedisAI.
    q.push(job, &q == from);
}

RunQueues& run_queues() {
    static auto* q = new RunQueues(1);
    return *q;
}

}  // namespace insitu::engine
