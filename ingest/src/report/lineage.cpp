#include "report/lineage.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace tributary::internal {
namespace {

constexpr int kMargin = 16;
constexpr int kBoxHeight = 34;
constexpr int kRowGap = 18;
constexpr int kLayerGap = 70;
constexpr int kMinBoxWidth = 150;
constexpr int kCharWidth = 8;  // 13px monospace, with room to spare
constexpr int kBoxPadding = 24;

int box_width(const std::string& name) {
  return std::max(kMinBoxWidth, static_cast<int>(name.size()) * kCharWidth + kBoxPadding);
}

}  // namespace

std::string html_escape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

LineageLayout lay_out_lineage(const std::vector<LineageNode>& nodes,
                              const std::vector<LineageEdge>& edges) {
  LineageLayout layout;
  const std::size_t n = nodes.size();
  for (const auto& e : edges) {
    if (e.from < n && e.to < n && e.from != e.to) layout.edges.push_back(e);
  }
  // Longest path from a root, by relaxing until nothing moves: at most n rounds without a
  // cycle (the bound keeps a cycle from looping forever).
  std::vector<std::size_t> layer(n, 0);
  for (std::size_t round = 0; round < n; ++round) {
    bool moved = false;
    for (const auto& e : layout.edges) {
      if (layer[e.to] < layer[e.from] + 1) {
        layer[e.to] = layer[e.from] + 1;
        moved = true;
      }
    }
    if (!moved) break;
  }
  const std::size_t layers = n == 0 ? 0 : *std::max_element(layer.begin(), layer.end()) + 1;

  // Rows, layer by layer: by the mean row of the nodes pointing in, then input order.
  std::vector<std::size_t> row(n, 0);
  std::vector<int> layer_width(layers, 0);
  std::size_t most_rows = 0;
  for (std::size_t l = 0; l < layers; ++l) {
    std::vector<std::size_t> members;
    for (std::size_t i = 0; i < n; ++i) {
      if (layer[i] == l) members.push_back(i);
    }
    std::vector<double> weight(n, 0.0);
    for (const auto i : members) {
      double sum = 0;
      int count = 0;
      for (const auto& e : layout.edges) {
        if (e.to == i) {
          sum += static_cast<double>(row[e.from]);
          ++count;
        }
      }
      weight[i] = count == 0 ? static_cast<double>(i) : sum / count;
    }
    std::stable_sort(members.begin(), members.end(),
                     [&](std::size_t a, std::size_t b) { return weight[a] < weight[b]; });
    for (std::size_t r = 0; r < members.size(); ++r) {
      row[members[r]] = r;
      layer_width[l] = std::max(layer_width[l], box_width(nodes[members[r]].name));
    }
    most_rows = std::max(most_rows, members.size());
  }

  std::vector<int> layer_x(layers, kMargin);
  for (std::size_t l = 1; l < layers; ++l) {
    layer_x[l] = layer_x[l - 1] + layer_width[l - 1] + kLayerGap;
  }
  for (std::size_t i = 0; i < n; ++i) {
    PlacedNode placed;
    placed.node = nodes[i];
    placed.layer = layer[i];
    placed.row = row[i];
    placed.width = box_width(nodes[i].name);
    placed.height = kBoxHeight;
    placed.x = layer_x[layer[i]];
    placed.y = kMargin + static_cast<int>(row[i]) * (kBoxHeight + kRowGap);
    layout.nodes.push_back(std::move(placed));
  }
  layout.width = layers == 0 ? 2 * kMargin : layer_x.back() + layer_width.back() + kMargin;
  layout.height = static_cast<int>(most_rows) * (kBoxHeight + kRowGap) - kRowGap + 2 * kMargin;
  if (most_rows == 0) layout.height = 2 * kMargin;
  return layout;
}

std::string lineage_svg(const LineageLayout& layout) {
  std::string svg = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"lineage\" width=\"{0}\" height=\"{1}\" "
      "viewBox=\"0 0 {0} {1}\" role=\"img\" aria-label=\"model dependencies\">\n"
      "<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" "
      "markerWidth=\"8\" markerHeight=\"8\" orient=\"auto-start-reverse\">"
      "<path d=\"M0,0 L10,5 L0,10 z\" fill=\"#64748b\"/></marker></defs>\n",
      layout.width, layout.height);
  for (const auto& e : layout.edges) {
    const auto& a = layout.nodes[e.from];
    const auto& b = layout.nodes[e.to];
    const int x1 = a.x + a.width;
    const int y1 = a.y + a.height / 2;
    const int x2 = b.x;
    const int y2 = b.y + b.height / 2;
    const int bend = (x2 - x1) / 2;
    svg += fmt::format(
        "<path class=\"edge\" d=\"M{},{} C{},{} {},{} {},{}\" fill=\"none\" stroke=\"#64748b\" "
        "stroke-width=\"1.5\" marker-end=\"url(#arrow)\"><title>{} \u2192 {}</title></path>\n",
        x1, y1, x1 + bend, y1, x2 - bend, y2, x2, y2, html_escape(a.node.name),
        html_escape(b.node.name));
  }
  for (const auto& p : layout.nodes) {
    const auto name = html_escape(p.node.name);
    const auto box = fmt::format(
        "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"6\" fill=\"{}\" stroke=\"{}\"{}/>"
        "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" dominant-baseline=\"central\">{}</text>",
        p.x, p.y, p.width, p.height, p.node.source ? "#f8fafc" : "#e0f2fe",
        p.node.source ? "#94a3b8" : "#0369a1", p.node.source ? " stroke-dasharray=\"4 3\"" : "",
        p.x + p.width / 2, p.y + p.height / 2, name);
    if (p.node.source) {
      svg += "<g class=\"node source\">" + box + "</g>\n";
    } else {
      svg += "<a href=\"#model-" + name + "\"><g class=\"node model\">" + box + "</g></a>\n";
    }
  }
  svg += "</svg>";
  return svg;
}

}  // namespace tributary::internal
