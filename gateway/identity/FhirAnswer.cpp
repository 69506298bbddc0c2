#include "gateway/identity/FhirAnswer.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace medbridge::identity {

FhirAnswer outcomeAnswer(int status, const std::string& severity, const std::string& code,
                         const std::string& text) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  w.StartObject();
  w.Key("resourceType");
  w.String("OperationOutcome");
  w.Key("issue");
  w.StartArray();
  w.StartObject();
  w.Key("severity");
  w.String(severity.c_str());
  w.Key("code");
  w.String(code.c_str());
  w.Key("diagnostics");
  w.String(text.c_str());
  w.EndObject();
  w.EndArray();
  w.EndObject();
  return {status, buf.GetString()};
}

}  // namespace medbridge::identity
