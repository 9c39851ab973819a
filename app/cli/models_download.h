#pragma once
// `layoutlens-cli models download`: kept apart from command_models.cpp so the network code (QtNetwork,
// an event loop, a Ctrl+C handler) stays out of the listing and verifying code.
#include <string>
#include <vector>

namespace ll::cli {

extern const char* kModelsDownloadUsage;

// args: everything after `models download`. Returns an exit code from cli/command.h.
int runModelsDownload(const std::vector<std::string>& args);

}  // namespace ll::cli
