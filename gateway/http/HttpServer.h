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
  std::string method = "GET";
  std::string path;                                        // decoded
  std::vector<std::pair<std::string, std::string>> query;  // decoded, in order
  std::map<std::string, std::string> headers;              // names in lower case
  std::string body;
  bool bodyTooLarge = false;  // longer than http.maxRequestBytes: body left unread
  std::string host;           // the Host header, for absolute URLs
  // The header's value, or "" (name in lower case).
  const std::string& header(const std::string& name) const;
};

struct Response {
  int status = 200;
  std::string contentType = "text/plain; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

// Exact-path GET routes (/health, /metrics) and prefix mounts that take every method (/fhir).
class HttpServer {
 public:
  using Handler = std::function<Response(const Request&)>;
  explicit HttpServer(const core::HttpConfig& config);
  ~HttpServer();
  void route(const std::string& path, Handler handler);
  // Requests for `prefix` and everything under it ("/fhir", "/fhir/Patient/1"); exact routes win.
  void mount(const std::string& prefix, Handler handler);
  void start();
  void stop();
  int port() const;
  bool running() const { return running_; }

  struct Routes {
    std::map<std::string, Handler> exact;
    std::vector<std::pair<std::string, Handler>> mounts;
    std::size_t maxBodyBytes = 0;
  };

 private:
  const core::HttpConfig& config_;
  Routes routes_;
  std::unique_ptr<Poco::Net::HTTPServer> server_;
  bool running_ = false;
};

}  // namespace medbridge::http
