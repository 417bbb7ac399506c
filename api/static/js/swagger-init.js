// Starts Swagger UI on /schema from bridgepoint's own copy (no CDN, no inline script).
const container = document.getElementById("swagger-container");
window.SwaggerUIBundle({
  url: container.dataset.spec,
  dom_id: "#swagger-container",
  deepLinking: true,
  presets: [window.SwaggerUIBundle.presets.apis, window.SwaggerUIStandalonePreset],
  layout: "BaseLayout",
});
