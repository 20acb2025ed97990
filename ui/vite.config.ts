/// <reference types="vitest/config" />
// Vite builds the window's page into ui/dist, which the Tauri shell embeds.
// The dev server runs on a fixed port because tauri.conf.json's devUrl names it.
import { defineConfig, type Plugin } from "vite";

/**
 * KaTeX's stylesheet names each of its fonts in WOFF2, WOFF and TrueType; every webview the app
 * runs in reads WOFF2, so the other two are dropped before the stylesheet's URLs are bundled.
 */
function katexWoff2Only(): Plugin {
  return {
    name: "katex-woff2-only",
    enforce: "pre",
    transform(code, id) {
      if (!/[\\/]katex[\\/]dist[\\/]katex(?:\.min)?\.css$/.test(id)) return null;
      return code.replace(/,\s*url\([^)]*\.(?:woff|ttf)\)\s*format\("(?:woff|truetype)"\)/g, "");
    },
  };
}

export default defineConfig({
  clearScreen: false,
  plugins: [katexWoff2Only()],
  server: {
    port: 5173,
    strictPort: true,
  },
  build: {
    // WebKitGTK on Linux and WKWebView on macOS: Safari 16 syntax is the floor.
    target: "safari16",
    outDir: "dist",
    emptyOutDir: true,
    // Fonts stay files: the CSP allows fonts from the app only, not data: URLs.
    assetsInlineLimit: (file) => (/\.(?:woff2?|ttf)$/.test(file) ? false : undefined),
  },
  test: {
    environment: "jsdom",
    include: ["src/**/*.test.ts"],
  },
});
