// Append-only JSON-lines files of the telemetry folder with a size bound: samples rotate (the
// newest half of the budget is kept), entity records are compacted (the latest settings and state
// of each job). Files are opened O_APPEND per write, so a restarted driver appends to what an
// earlier one wrote and a reader never sees a truncated file. Thread-safe.
#pragma once

#include <cstddef>
#include <mutex>
#include <string>

namespace insitu::telemetry {

class Writer {
  public:
    // Creates `dir`. max_bytes bounds both files together (schema.h, Options::max_bytes).
    Writer(std::string dir, std::size_t max_bytes);
    // One record (a JSON object without its newline).
    void append_entity(const std::string& line);
    void append_sample(const std::string& line);
    const std::string& dir() const { return dir_; }

  private:
    void compact_entities(const std::string& path);
    std::mutex mu_;
    std::string dir_;
    std::size_t entity_cap_, sample_cap_;
};

}  // namespace insitu::telemetry
