#include "gateway/http/HttpServer.h"

#include <Poco/Logger.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/String.h>
#include <Poco/URI.h>

#include <istream>

namespace medbridge::http {
namespace {

const HttpServer::Handler* find(const HttpServer::Routes& routes, const std::string& path,
                                bool& exact) {
  auto it = routes.exact.find(path);
  exact = it != routes.exact.end();
  if (exact) return &it->second;
  for (const auto& [prefix, handler] : routes.mounts)
    if (path == prefix || path.rfind(prefix + "/", 0) == 0) return &handler;
  return nullptr;
}

// Reads up to max bytes of the body; true when it all fit.
bool readBody(Poco::Net::HTTPServerRequest& req, std::size_t max, std::string& body) {
  std::istream& in = req.stream();
  if (req.hasContentLength() && req.getContentLength64() > static_cast<Poco::Int64>(max))
    return false;
  // Neither a length nor chunks: the request has no body (RFC 9112 §6.3), so nothing is read —
  // Poco's stream would otherwise wait for the client to close.
  if (!req.hasContentLength() && !req.getChunkedTransferEncoding()) return true;
  char buf[65536];
  while (in) {
    in.read(buf, sizeof buf);
    body.append(buf, static_cast<std::size_t>(in.gcount()));
    if (body.size() > max) return false;
  }
  return true;
}

class RouteHandler : public Poco::Net::HTTPRequestHandler {
 public:
  explicit RouteHandler(const HttpServer::Routes& routes) : routes_(routes) {}
  void handleRequest(Poco::Net::HTTPServerRequest& req,
                     Poco::Net::HTTPServerResponse& res) override {
    Response r;
    Request request;
    request.method = req.getMethod();
    try {
      Poco::URI uri(req.getURI());
      request.path = uri.getPath();
      for (const auto& [name, value] : uri.getQueryParameters())
        request.query.emplace_back(name, value);
    } catch (const Poco::Exception&) {
      request.path = "";
    }
    for (const auto& [name, value] : req) request.headers[Poco::toLower(name)] = value;
    request.host = req.getHost();
    bool exact = false;
    const HttpServer::Handler* handler = find(routes_, request.path, exact);
    if (!handler) {
      r = {404, "text/plain; charset=utf-8", "not found: " + request.path + "\n", {}};
    } else if (exact && request.method != "GET" && request.method != "HEAD") {
      r = {405, "text/plain; charset=utf-8", "method not allowed\n", {{"Allow", "GET, HEAD"}}};
    } else {
      if (!exact) request.bodyTooLarge = !readBody(req, routes_.maxBodyBytes, request.body);
      try {
        r = (*handler)(request);
      } catch (const std::exception& e) {
        Poco::Logger::get("medbridge.http")
            .error("%s %s failed: %s", request.method, request.path, std::string(e.what()));
        r = {500, "text/plain; charset=utf-8", "internal error\n", {}};
      }
      // An unread body would be taken for the next request on this connection.
      if (request.bodyTooLarge) res.setKeepAlive(false);
    }
    res.setStatusAndReason(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(r.status));
    for (const auto& [name, value] : r.headers) res.set(name, value);
    if (r.status == 304 || r.status == 204) {
      res.setContentLength(0);
      res.send();
      return;
    }
    res.setContentType(r.contentType);
    res.setContentLength(static_cast<std::streamsize>(r.body.size()));
    auto& out = res.send();
    if (request.method != "HEAD") out << r.body;
  }

 private:
  const HttpServer::Routes& routes_;
};

class Factory : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  explicit Factory(const HttpServer::Routes& routes) : routes_(routes) {}
  Poco::Net::HTTPRequestHandler* createRequestHandler(
      const Poco::Net::HTTPServerRequest&) override {
    return new RouteHandler(routes_);
  }

 private:
  const HttpServer::Routes& routes_;
};

}  // namespace

const std::string& Request::header(const std::string& name) const {
  static const std::string kNone;
  auto it = headers.find(name);
  return it == headers.end() ? kNone : it->second;
}

HttpServer::HttpServer(const core::HttpConfig& config) : config_(config) {}

HttpServer::~HttpServer() {
  stop();
}

void HttpServer::route(const std::string& path, Handler handler) {
  routes_.exact[path] = std::move(handler);
}

void HttpServer::mount(const std::string& prefix, Handler handler) {
  routes_.mounts.emplace_back(prefix, std::move(handler));
}

void HttpServer::start() {
  routes_.maxBodyBytes = config_.maxRequestBytes;
  Poco::Net::ServerSocket socket(
      Poco::Net::SocketAddress(config_.host, static_cast<Poco::UInt16>(config_.port)), 64);
  auto params = new Poco::Net::HTTPServerParams;
  params->setMaxThreads(config_.threads);
  params->setMaxQueued(256);
  params->setKeepAlive(true);
  params->setMaxKeepAliveRequests(0);  // unlimited
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
