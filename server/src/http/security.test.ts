import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config.ts';
import { tileSource } from './security.ts';

describe('map tiles in the Content-Security-Policy', () => {
  it('allows exactly the tile server’s origin, with subdomains as a wildcard', () => {
    expect(tileSource('https://tile.openstreetmap.org/{z}/{x}/{y}.png')).toBe('https://tile.openstreetmap.org');
    expect(tileSource('https://{s}.tiles.example.net:8443/osm/{z}/{x}/{y}.png')).toBe('https://*.tiles.example.net:8443');
    expect(tileSource(null)).toBeNull();
  });

  it('never lets a tile URL smuggle another directive', () => {
    expect(tileSource("https://x.org;script-src 'unsafe-inline'/{z}/{x}/{y}")).toBeNull();
    expect(() => loadConfig({ MAP_STYLE_URL: "https://x.org/{z}/{x}/{y}.png; script-src 'unsafe-inline'" })).toThrow(/MAP_STYLE_URL/);
    expect(() => loadConfig({ MAP_STYLE_URL: 'javascript:alert(1)//{z}{x}{y}' })).toThrow(/MAP_STYLE_URL/);
    expect(() => loadConfig({ MAP_STYLE_URL: 'https://tiles.example.net/map.png' })).toThrow(/\{z\}/);
    expect(loadConfig({ MAP_STYLE_URL: 'off' }).map.tileUrl).toBeNull();
  });
});
