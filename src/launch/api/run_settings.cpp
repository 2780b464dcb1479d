// RunSettings and Status.
#include <insitu/launch_errors.h>
#include <insitu/run_settings.h>
#include <insitu/status.h>

#include <stdexcept>

namespace insitu {

std::string to_string(Status s) {
    switch (s) {
        case Status::New:
            return "New";
        case Status::Running:
            return "Running";
        case Status::Completed:
            return "Completed";
        case Status::Failed:
            return "Failed";
        case Status::Cancelled:
            return "Cancelled";
        case Status::NeverStarted:
            return "NeverStarted";
        case Status::Queued:
            return "Queued";
    }
    return "?";
}

void RunSettings::set(const std::string& arg, const std::string& value) {
    run_args[arg] = value;
}

void RunSettings::set_start_timeout(double seconds) {
    if (!(seconds >= 0))  // also NaN
        throw ConfigError("set_start_timeout: seconds must be >= 0 (0: no limit), got " +
                          std::to_string(seconds));
    start_timeout = seconds;
}

void RunSettings::add_exe_args(const std::vector<std::string>& args) {
    exe_args.insert(exe_args.end(), args.begin(), args.end());
}

void RunSettings::update_env(const std::map<std::string, std::string>& env) {
    for (const auto& [k, v] : env) env_vars[k] = v;
}

int RunSettings::tasks() const {
    for (const char* k : {"np", "n", "ntasks"}) {
        auto it = run_args.find(k);
        if (it != run_args.end()) return std::stoi(it->second);
    }
    return 1;
}

}  // namespace insitu
