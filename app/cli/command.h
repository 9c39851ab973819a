#pragma once
// Subcommands of layoutlens-cli. Each command_<name>.cpp defines one and registers it with
// LL_REGISTER_COMMAND, so adding a command touches no shared file.
#include <functional>
#include <string>
#include <vector>

namespace ll::cli {

// Documented exit codes (README "Command line").
enum ExitCode : int {
  kExitOk = 0,
  kExitUsage = 2,          // bad arguments
  kExitInputError = 3,     // file missing, unreadable, not a PDF, damaged
  kExitPasswordError = 4,  // encrypted PDF, password missing or wrong
  kExitPartial = 5,        // some pages/documents failed, the rest were written
  kExitModelError = 6,     // model missing, corrupt or of the wrong architecture
  kExitInternal = 70,      // an unexpected error (a bug): please report
  kExitCancelled = 130,
};

struct Command {
  std::string name;
  std::string summary;  // one line for `layoutlens-cli --help`
  std::function<int(const std::vector<std::string>& args)> run;  // args exclude the command name
};

std::vector<Command>& commandRegistry();

struct CommandRegistrar {
  explicit CommandRegistrar(Command c) { commandRegistry().push_back(std::move(c)); }
};

// Prints "layoutlens-cli: <message>" on one line to stderr and returns code.
int fail(int code, const std::string& message);

}  // namespace ll::cli

#define LL_CLI_CONCAT2(a, b) a##b
#define LL_CLI_CONCAT(a, b) LL_CLI_CONCAT2(a, b)
#define LL_REGISTER_COMMAND(...) \
  static ::ll::cli::CommandRegistrar LL_CLI_CONCAT(ll_cli_registrar_, __LINE__)(::ll::cli::Command{__VA_ARGS__})
