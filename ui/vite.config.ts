/// <reference types="vitest/config" />
// Vite builds the window's page into ui/dist, which the Tauri shell embeds.
// The dev server runs on a fixed port because tauri.conf.json's devUrl names it.
import { defineConfig } from "vite";

export default defineConfig({
  clearScreen: false,
  server: {
    port: 5173,
    strictPort: true,
  },
  build: {
    // WebKitGTK on Linux and WKWebView on macOS: Safari 16 syntax is the floor.
    target: "safari16",
    outDir: "dist",
    emptyOutDir: true,
  },
  test: {
    environment: "jsdom",
    include: ["src/**/*.test.ts"],
  },
});
