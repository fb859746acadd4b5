// Statistics and exports at L3, for when the research module is wired to HTTP (research-data.md §3.3, §4.1, §5.1).
// run.mjs calls this at L3 when /docs/openapi.json lists /api/v1/research paths. What is still needed then:
//   1. the dataset: a research project with the bench researchers as members and the bench releases published in the
//      module's own tables (bench/data/generate.sql fills bench.release_persons; the module's research_release_persons
//      and research_releases come with its migrations), and
//   2. the request bodies below checked against the module's DTOs.
// Until the routes answer, this returns { skipped } and the report keeps its L1-only marker.
import { performance } from 'node:perf_hooks';

const TABLE = { rows: ['period'], columns: ['geo', 'age', 'outcome'], levels: { period: 0, geo: 1, age: 2, outcome: 1 } };

export async function runResearchL3(ctx, { server, researcherToken, paths }) {
  const headers = { authorization: `Bearer ${researcherToken}`, 'content-type': 'application/json', 'user-agent': 'doorstep-bench' };
  const has = (p) => paths.some((x) => x.includes(p));
  if (!has('/tables') || !has('/exports')) return { skipped: `research routes present but incomplete: ${paths.join(', ')}` };
  const projects = await fetch(`${server.url}/api/v1/research/projects`, { headers });
  if (projects.status !== 200) return { skipped: `GET /research/projects answered ${projects.status}` };
  const list = await projects.json();
  const project = (list.items ?? list)[0];
  if (!project) return { skipped: 'no research project in the bench database (see the header of bench/scenarios/research-l3.mjs)' };
  const releases = await (await fetch(`${server.url}/api/v1/research/projects/${project.id}/releases`, { headers })).json();
  const release = (releases.items ?? releases)[0];
  if (!release) return { skipped: 'no published release for the bench project' };
  const out = { project: project.id, release: release.id, statsLive: [], exports: [] };
  for (let i = 0; i < 20; i++) {
    const t = performance.now();
    const r = await fetch(`${server.url}/api/v1/research/projects/${project.id}/releases/${release.id}/tables`, { method: 'POST', headers, body: JSON.stringify(TABLE) });
    out.statsLive.push({ status: r.status, ms: performance.now() - t });
    await r.arrayBuffer();
  }
  const x = await fetch(`${server.url}/api/v1/research/projects/${project.id}/releases/${release.id}/exports`, {
    method: 'POST', headers, body: JSON.stringify({ columns: ['age', 'sex', 'geo', 'period', 'referral_source', 'outcome', 'rereferral'], linkageScope: 'project' }),
  });
  out.exports.push({ status: x.status, body: await x.json().catch(() => null) });
  void ctx;
  return out;
}
