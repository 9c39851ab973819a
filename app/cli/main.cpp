// layoutlens-cli: the headless entry point. Dispatches to the registered subcommands.
#include <algorithm>
#include <exception>
#include <iostream>

#include "cli/command.h"
#include "core/infer/runtime_options.h"
#include "layoutlens_version.h"

namespace ll::cli {

std::vector<Command>& commandRegistry() {
  static std::vector<Command> registry;
  return registry;
}

int fail(int code, const std::string& message) {
  std::cerr << "layoutlens-cli: " << message << std::endl;
  return code;
}

}  // namespace ll::cli

namespace {

void printHelp() {
  auto commands = ll::cli::commandRegistry();
  std::sort(commands.begin(), commands.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  std::cout << "usage: layoutlens-cli <command> [options]\n\ncommands:\n";
  for (const auto& c : commands) std::cout << "  " << c.name << std::string(c.name.size() < 12 ? 12 - c.name.size() : 1, ' ') << c.summary << "\n";
  std::cout << "\n`layoutlens-cli <command> --help` describes a command's options.\n"
               "exit codes: 0 ok, 2 usage, 3 input error, 4 password, 5 partial failure, 6 model error, 70 internal, 130 cancelled\n";
}

}  // namespace

int main(int argc, char** argv) {
  using namespace ll::cli;
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    printHelp();
    return args.empty() ? kExitUsage : kExitOk;
  }
  if (args[0] == "--version" || args[0] == "-V") {
    std::cout << LAYOUTLENS_NAME << " " << LAYOUTLENS_VERSION << "\n" << ll::infer::describeRuntime() << std::endl;
    return kExitOk;
  }
  const auto& commands = commandRegistry();
  auto it = std::find_if(commands.begin(), commands.end(), [&](const Command& c) { return c.name == args[0]; });
  if (it == commands.end()) {
    return fail(kExitUsage, "unknown command '" + args[0] + "'; run `layoutlens-cli --help` for the list");
  }
  try {
    return it->run(std::vector<std::string>(args.begin() + 1, args.end()));
  } catch (const std::exception& e) {
    return fail(kExitInternal, std::string("internal error: ") + e.what());
  }
}
