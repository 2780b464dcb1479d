// Run queues: one FIFO per device string (upper-cased), each served by THREADS_PER_QUEUE worker
// threads. Workers sleep on a condition variable until work arrives or until the earliest
// deadline among queued jobs (a TIMEOUT, or the end of a MINBATCHSIZE wait); they never poll.
// No Redis here.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "engine/job.h"

namespace insitu::engine {

// How long a request waits for MINBATCHSIZE to be reached when the model has no MINBATCHTIMEOUT.
// RedisAI waits forever (clients could hang); insitu runs the partial batch after this long.
// A request's own TIMEOUT still applies first when it is shorter.
inline constexpr std::chrono::milliseconds k_default_min_batch_wait{1000};

class RunQueues;

class RunQueue {
  public:
    RunQueue(std::string name, int threads, RunQueues& owner);
    ~RunQueue();  // stops and joins the workers; queued jobs are dropped
    RunQueue(const RunQueue&) = delete;
    RunQueue& operator=(const RunQueue&) = delete;

    const std::string& name() const { return name_; }
    void push(Job* job, bool front = false);
    std::size_t size() const;
    // Nothing queued and no worker running a job.
    bool idle() const;
    // CPU seconds used by each worker thread so far (INFO MODULES ai_cpu).
    std::vector<double> thread_cpu_seconds() const;

  private:
    void worker();
    // Answers TIMEOUTs while every worker is busy: a request never waits past its own TIMEOUT.
    void timer();
    // Under the lock: moves the jobs whose TIMEOUT passed into `expired`; sets `wake` to the
    // earliest remaining TIMEOUT deadline.
    void expire(std::vector<Job*>& expired, std::chrono::steady_clock::time_point& wake,
                bool& has_wake);
    // Under the lock: removes the jobs whose TIMEOUT passed into `expired`, or the next jobs to
    // run into `batch`; else sets `wake` to the earliest deadline (if any).
    void pick(std::vector<Job*>& expired, std::vector<Job*>& batch,
              std::chrono::steady_clock::time_point& wake, bool& has_wake);

    std::string name_;
    RunQueues& owner_;
    mutable std::mutex mu_;
    std::condition_variable cv_;        // workers
    std::condition_variable timer_cv_;  // the timer thread
    std::deque<Job*> items_;
    int busy_ = 0;  // workers running a job
    bool stop_ = false;
    std::vector<std::thread> threads_;
    std::thread timer_;
};

class RunQueues {
  public:
    explicit RunQueues(int threads_per_queue = 1) : threads_(threads_per_queue) {}
    ~RunQueues();

    void set_threads_per_queue(int n) { threads_ = n; }
    int threads_per_queue() const { return threads_; }
    // Creates the queue for `device` (upper-cased) if it does not exist yet.
    RunQueue& ensure(const std::string& device);
    // Starts a job (enqueue time = now), or continues one on the queue of its next compute op;
    // completes it right away when nothing is left to run.
    void submit(Job* job);
    std::vector<std::string> names() const;
    RunQueue* find(const std::string& device) const;
    // True when `device` has no queue yet or its queue is idle.
    bool idle(const std::string& device) const;

  private:
    friend class RunQueue;
    void route(Job* job, const RunQueue* from);
    int threads_;
    mutable std::mutex mu_;
    std::map<std::string, std::unique_ptr<RunQueue>> queues_;
};

// The module's queues (never destroyed: workers may be mid-run at exit).
RunQueues& run_queues();

}  // namespace insitu::engine
