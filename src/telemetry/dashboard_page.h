// The dashboard's single page: HTML, CSS and JavaScript built into the executable (no network
// fetches besides the dashboard's own /api/state; charts are hand-drawn SVG).
#pragma once

#include <string_view>

namespace insitu::telemetry {

std::string_view dashboard_html();

}  // namespace insitu::telemetry
