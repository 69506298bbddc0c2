#include "gateway/http/HttpServer.h"

#include <Poco/Logger.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/URI.h>

namespace medbridge::http {
namespace {

class RouteHandler : public Poco::Net::HTTPRequestHandler {
 public:
  explicit RouteHandler(const std::map<std::string, HttpServer::Handler>& routes)
      : routes_(routes) {}
  void handleRequest(Poco::Net::HTTPServerRequest& req,
                     Poco::Net::HTTPServerResponse& res) override {
    Response r;
    Poco::URI uri(req.getURI());
    Request request{uri.getPath(), {}};
    for (const auto& [name, value] : uri.getQueryParameters())
      request.query.emplace_back(name, value);
    const std::string& path = request.path;
    auto it = routes_.find(path);
    if (it == routes_.end()) {
      r = {404, "text/plain; charset=utf-8", "not found: " + path + "\n"};
    } else if (req.getMethod() != "GET" && req.getMethod() != "HEAD") {
      r = {405, "text/plain; charset=utf-8", "method not allowed\n"};
      res.set("Allow", "GET, HEAD");
    } else {
      try {
        r = it->second(request);
      } catch (const std::exception& e) {
        Poco::Logger::get("medbridge.http").error("%s failed: %s", path, std::string(e.what()));
        r = {500, "text/plain; charset=utf-8", "internal error\n"};
      }
    }
    res.setStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(r.status));
    res.setContentType(r.contentType);
    res.setContentLength(static_cast<std::streamsize>(r.body.size()));
    auto& out = res.send();
    if (req.getMethod() != "HEAD") out << r.body;
  }

 private:
  const std::map<std::string, HttpServer::Handler>& routes_;
};

class Factory : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  explicit Factory(const std::map<std::string, HttpServer::Handler>& routes) : routes_(routes) {}
  Poco::Net::HTTPRequestHandler* createRequestHandler(
      const Poco::Net::HTTPServerRequest&) override {
    return new RouteHandler(routes_);
  }

 private:
  const std::map<std::string, HttpServer::Handler>& routes_;
};

}  // namespace

HttpServer::HttpServer(const core::HttpConfig& config) : config_(config) {}

HttpServer::~HttpServer() {
  stop();
}

void HttpServer::route(const std::string& path, Handler handler) {
  routes_[path] = std::move(handler);
}

void HttpServer::start() {
  Poco::Net::ServerSocket socket(
      Poco::Net::SocketAddress(config_.host, static_cast<Poco::UInt16>(config_.port)), 64);
  auto params = new Poco::Net::HTTPServerParams;
  params->setMaxThreads(16);
  params->setKeepAlive(true);
  server_ = std::make_unique<Poco::Net::HTTPServer>(new Factory(routes_), socket, params);
  server_->start();
  running_ = true;
}

void HttpServer::stop() {
  if (!server_) return;
  running_ = false;
  server_->stopAll(false);
  server_.reset();
}

int HttpServer::port() const {
  return server_ ? server_->port() : 0;
}

}  // namespace medbridge::http
