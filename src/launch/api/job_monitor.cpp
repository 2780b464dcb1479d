#include "launch/api/job_monitor.h"

#include <cstdio>
#include <sstream>

#include "core/text_table.h"

namespace insitu::launch {

Job& JobMonitor::add(Job job) {
    int runs = 0;
    for (const auto& j : jobs_)
        if (j.entity == job.entity && j.name == job.name) runs = j.run + 1;
    job.run = runs;
    job.started = std::chrono::steady_clock::now();
    jobs_.push_back(std::move(job));
    if (on_change) on_change(jobs_.back(), true);
    return jobs_.back();
}

void JobMonitor::set(Job& job, StepStatus st) {
    bool was_running = !is_terminal(job.status);
    // A waiting step's message may change on every poll: only state changes are reported.
    bool changed = job.status != st.status || job.returncode != st.returncode;
    job.status = st.status;
    job.returncode = st.returncode;
    // A failure's reason stays; a waiting step's reason goes once it runs.
    if (!st.message.empty() || !is_terminal(st.status)) job.message = st.message;
    if (was_running && is_terminal(st.status)) job.ended = std::chrono::steady_clock::now();
    if (changed && on_change) on_change(job, false);
}

void JobMonitor::update(Launcher& launcher) {
    for (auto& j : jobs_)
        if (!is_terminal(j.status)) set(j, launcher.status(j.step_id));
}

std::vector<Job*> JobMonitor::latest(const Entity* entity) {
    int run = -1;
    for (const auto& j : jobs_)
        if (j.entity == entity && j.run > run) run = j.run;
    std::vector<Job*> out;
    for (auto& j : jobs_)
        if (j.entity == entity && j.run == run) out.push_back(&j);
    return out;
}

std::vector<Job*> JobMonitor::running() {
    std::vector<Job*> out;
    for (auto& j : jobs_)
        if (!is_terminal(j.status)) out.push_back(&j);
    return out;
}

std::string JobMonitor::table() const {
    std::vector<std::vector<std::string>> rows = {
        {"", "Name", "Entity-Type", "JobID", "RunID", "Time", "Status", "Returncode"}};
    auto now = std::chrono::steady_clock::now();
    int i = 0;
    for (const auto& j : jobs_) {
        auto end = is_terminal(j.status) ? j.ended : now;
        char t[32];
        std::snprintf(t, sizeof t, "%.2f", std::chrono::duration<double>(end - j.started).count());
        rows.push_back({std::to_string(i++), j.name, j.type, j.step_id, std::to_string(j.run), t,
                        to_string(j.status),
                        j.returncode ? std::to_string(*j.returncode) : std::string("-")});
    }
    std::ostringstream out;
    out << core::text_table(rows);
    for (const auto& j : jobs_)
        if (!j.message.empty()) out << j.name << " (" << j.step_id << "): " << j.message << "\n";
    return out.str();
}

}  // namespace insitu::launch
