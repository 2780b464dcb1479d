// A table in GitHub markdown style, padded to the widest cell of each column (the experiment
// summary and `insitu status`). rows[0] is the header.
#pragma once

#include <algorithm>
#include <sstream>
#include <string>
#include <vector>

namespace insitu::core {

inline std::string text_table(const std::vector<std::vector<std::string>>& rows) {
    if (rows.empty()) return "";
    std::vector<std::size_t> w(rows[0].size(), 0);
    for (const auto& r : rows)
        for (std::size_t c = 0; c < r.size() && c < w.size(); ++c)
            w[c] = std::max(w[c], r[c].size());
    std::ostringstream out;
    auto line = [&](const std::vector<std::string>& r) {
        out << "|";
        for (std::size_t c = 0; c < w.size(); ++c) {
            const std::string cell = c < r.size() ? r[c] : "";
            out << " " << cell << std::string(w[c] - cell.size(), ' ') << " |";
        }
        out << "\n";
    };
    line(rows[0]);
    out << "|";
    for (auto x : w) out << std::string(x + 2, '-') << "|";
    out << "\n";
    for (std::size_t r = 1; r < rows.size(); ++r) line(rows[r]);
    return out.str();
}

}  // namespace insitu::core
