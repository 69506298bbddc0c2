#include "gateway/app/Cli.h"

#include <iostream>
#include <string>
#include <vector>

#include "gateway/app/BackupCommand.h"
#include "gateway/app/ConvertCommand.h"
#include "gateway/app/IdCommand.h"
#include "gateway/app/ServeCommand.h"
#include "gateway/core/Clock.h"
#include "gateway/core/Time.h"

namespace medbridge::app {
namespace {

void usage(std::ostream& out) {
  out << "usage: medbridge <command> [options]\n"
         "  serve --config FILE [--set key=value]...   run the gateway\n"
         "  convert FILE.hl7...                       HL7 v2 -> FHIR transaction Bundle per line\n"
         "  backup --to DIR [--config FILE]           consistent online copy of store and dataDir\n"
         "  restore --from DIR [--config FILE]        restore a backup into an empty store\n"
         "  id check NUMBER...                        check national ID numbers (GB 11643)\n"
         "  version                                   print the version\n";
}

}  // namespace

int runCli(int argc, char** argv) {
  if (argc < 2) {
    usage(std::cerr);
    return 2;
  }
  std::string command = argv[1];
  std::vector<std::string> args(argv + 2, argv + argc);
  if (command == "serve") return runServe(args);
  if (command == "convert") return runConvert(args, std::cout, std::cerr);
  if (command == "backup") return runBackup(args);
  if (command == "id") {
    return runId(args, core::chinaDate(core::SystemClock().nowMillis()), std::cout, std::cerr);
  }
  if (command == "restore") return runRestore(args);
  if (command == "version") {
    std::cout << "medbridge " << MEDBRIDGE_VERSION << "\n";
    return 0;
  }
  if (command == "help" || command == "--help" || command == "-h") {
    usage(std::cout);
    return 0;
  }
  std::cerr << "medbridge: unknown command '" << command << "'\n";
  usage(std::cerr);
  return 2;
}

}  // namespace medbridge::app
