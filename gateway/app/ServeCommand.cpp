#include "gateway/app/ServeCommand.h"

#include <Poco/AutoPtr.h>
#include <Poco/ConsoleChannel.h>
#include <Poco/FormattingChannel.h>
#include <Poco/Logger.h>
#include <Poco/PatternFormatter.h>
#include <Poco/Util/ServerApplication.h>

#include <iostream>

#include "gateway/app/Gateway.h"
#include "gateway/core/ErrorCode.h"

namespace medbridge::app {
namespace {

void setUpLogging(const std::string& level) {
  Poco::AutoPtr<Poco::PatternFormatter> formatter(
      new Poco::PatternFormatter("%Y-%m-%dT%H:%M:%S.%i %q %s: %t"));
  Poco::AutoPtr<Poco::ConsoleChannel> console(new Poco::ConsoleChannel(std::cerr));
  Poco::AutoPtr<Poco::FormattingChannel> channel(new Poco::FormattingChannel(formatter, console));
  Poco::Logger::root().setChannel(channel);
  Poco::Logger::root().setLevel(level);
  Poco::Logger::setLevel("", Poco::Logger::parseLevel(level));
}

class ServeApp : public Poco::Util::ServerApplication {
 public:
  ServeApp(std::string configPath, std::vector<std::string> overrides)
      : configPath_(std::move(configPath)), overrides_(std::move(overrides)) {}

 protected:
  int main(const std::vector<std::string>&) override {
    core::GatewayConfig config;
    try {
      config = core::loadConfig(configPath_, overrides_);
    } catch (const core::Error& e) {
      std::cerr << "medbridge: " << e.what() << "\n";
      return EXIT_CONFIG;
    }
    setUpLogging(config.logLevel);
    auto& log = Poco::Logger::get("medbridge.app.serve");
    Gateway gateway(config);
    try {
      gateway.start();
    } catch (const std::exception& e) {
      log.fatal("start-up failed: %s", std::string(e.what()));
      std::cerr << "medbridge: start-up failed: " << e.what() << "\n";
      return EXIT_SOFTWARE;
    }
    log.information("medbridge %s ready (profile %s)", std::string(MEDBRIDGE_VERSION),
                    config.profile);
    waitForTerminationRequest();
    log.information("stopping: no new connections, finishing in-flight work");
    gateway.stop();
    log.information("stopped");
    return EXIT_OK;
  }

 private:
  std::string configPath_;
  std::vector<std::string> overrides_;
};

}  // namespace

int runServe(const std::vector<std::string>& args) {
  std::string config = "config/medbridge.json";
  std::vector<std::string> overrides;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if ((args[i] == "--config" || args[i] == "-c") && i + 1 < args.size()) {
      config = args[++i];
    } else if (args[i] == "--set" && i + 1 < args.size()) {
      overrides.push_back(args[++i]);
    } else if (args[i].rfind("--set=", 0) == 0) {
      overrides.push_back(args[i].substr(6));
    } else {
      std::cerr << "medbridge serve: unknown argument '" << args[i] << "'\n";
      return 2;
    }
  }
  ServeApp app(config, overrides);
  std::vector<std::string> argv{"medbridge"};
  return app.run(argv);
}

}  // namespace medbridge::app
