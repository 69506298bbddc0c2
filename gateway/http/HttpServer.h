#pragma once

#include <Poco/Net/HTTPServer.h>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "gateway/core/Config.h"

namespace medbridge::http {

struct Request {
  std::string path;
  std::vector<std::pair<std::string, std::string>> query;  // decoded, in order
};

struct Response {
  int status = 200;
  std::string contentType = "text/plain; charset=utf-8";
  std::string body;
};

// Exact-path routes for GET; later issues mount /fhir and /dicomweb here.
class HttpServer {
 public:
  using Handler = std::function<Response(const Request&)>;
  explicit HttpServer(const core::HttpConfig& config);
  ~HttpServer();
  void route(const std::string& path, Handler handler);
  void start();
  void stop();
  int port() const;
  bool running() const { return running_; }

 private:
  const core::HttpConfig& config_;
  std::map<std::string, Handler> routes_;
  std::unique_ptr<Poco::Net::HTTPServer> server_;
  bool running_ = false;
};

}  // namespace medbridge::http
