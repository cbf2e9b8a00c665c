#include "sim/s3/s3_xml.h"

#include <cstdint>

namespace stalemate::sim::s3 {

namespace {
void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}
}  // namespace

std::optional<std::string> xml_unescape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '&') {
      out.push_back(text[i]);
      continue;
    }
    const auto semi = text.find(';', i);
    if (semi == std::string_view::npos) return std::nullopt;
    const std::string_view ent = text.substr(i + 1, semi - i - 1);
    if (ent == "amp") out.push_back('&');
    else if (ent == "lt") out.push_back('<');
    else if (ent == "gt") out.push_back('>');
    else if (ent == "quot") out.push_back('"');
    else if (ent == "apos") out.push_back('\'');
    else if (ent.size() >= 2 && ent[0] == '#') {
      std::uint32_t cp = 0;
      const bool hex = ent[1] == 'x' || ent[1] == 'X';
      const std::string_view digits = ent.substr(hex ? 2 : 1);
      if (digits.empty() || digits.size() > 8) return std::nullopt;
      for (char c : digits) {
        int d;
        if (c >= '0' && c <= '9') d = c - '0';
        else if (hex && c >= 'a' && c <= 'f') d = c - 'a' + 10;
        else if (hex && c >= 'A' && c <= 'F') d = c - 'A' + 10;
        else return std::nullopt;
        cp = cp * (hex ? 16 : 10) + static_cast<std::uint32_t>(d);
      }
      if (cp > 0x10FFFF) return std::nullopt;
      append_utf8(out, cp);
    } else {
      return std::nullopt;
    }
    i = semi;
  }
  return out;
}

std::string xml_element(std::string_view name, std::string_view value) {
  std::string out;
  out.append("<").append(name).append(">").append(xml_escape(value)).append("</").append(name).append(">");
  return out;
}

std::string xml_document(std::string_view root, std::string_view inner) {
  std::string out = kXmlDecl;
  out.append("<").append(root).append(" xmlns=\"").append(kS3Namespace).append("\">").append(inner);
  out.append("</").append(root).append(">");
  return out;
}

std::optional<std::vector<std::string_view>> xml_elements(std::string_view doc, std::string_view tag) {
  std::vector<std::string_view> out;
  const std::string open = "<" + std::string(tag);
  const std::string close = "</" + std::string(tag) + ">";
  std::size_t pos = 0;
  while ((pos = doc.find(open, pos)) != std::string_view::npos) {
    const std::size_t after = pos + open.size();
    if (after >= doc.size()) return std::nullopt;
    const char next = doc[after];
    if (next != '>' && next != '/' && next != ' ' && next != '\t' && next != '\n' && next != '\r') {
      pos = after;  // a longer tag name sharing the prefix
      continue;
    }
    const auto gt = doc.find('>', after);
    if (gt == std::string_view::npos) return std::nullopt;
    if (doc[gt - 1] == '/') {  // <tag/>
      out.emplace_back();
      pos = gt + 1;
      continue;
    }
    const auto end = doc.find(close, gt + 1);
    if (end == std::string_view::npos) return std::nullopt;
    out.push_back(doc.substr(gt + 1, end - gt - 1));
    pos = end + close.size();
  }
  return out;
}

std::string error_document(std::string_view code, std::string_view message, std::string_view resource,
                           std::string_view request_id) {
  std::string out = kXmlDecl;
  out += "<Error>";
  out += xml_element("Code", code);
  out += xml_element("Message", message);
  out += xml_element("Resource", resource);
  out += xml_element("RequestId", request_id);
  out += "</Error>";
  return out;
}

}  // namespace stalemate::sim::s3
