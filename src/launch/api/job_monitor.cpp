#include "launch/api/job_monitor.h"

#include <cstdio>
#include <sstream>

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
    std::vector<std::size_t> w(rows[0].size(), 0);
    for (const auto& r : rows)
        for (std::size_t c = 0; c < r.size(); ++c) w[c] = std::max(w[c], r[c].size());
    std::ostringstream out;
    auto line = [&](const std::vector<std::string>& r) {
        out << "|";
        for (std::size_t c = 0; c < r.size(); ++c)
            out << " " << r[c] << std::string(w[c] - r[c].size(), ' ') << " |";
        out << "\n";
    };
    line(rows[0]);
    out << "|";
    for (auto x : w) out << std::string(x + 2, '-') << "|";
    out << "\n";
    for (std::size_t r = 1; r < rows.size(); ++r) line(rows[r]);
    for (const auto& j : jobs_)
        if (!j.message.empty()) out << j.name << " (" << j.step_id << "): " << j.message << "\n";
    return out.str();
}

}  // namespace insitu::launch
