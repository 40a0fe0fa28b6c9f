// Reads every public answer of the Statuspage API v2 at the base URL given as
// the first argument with the statuspage.io client, and prints what the client
// returned, keyed by the client method, as one JSON object.
"use strict";
const { Statuspage } = require("statuspage.io");

async function main(baseUrl) {
  // The client is made for <page id>.statuspage.io; setApiUrl points it elsewhere.
  const statuspage = new Statuspage("unused");
  statuspage.setApiUrl(baseUrl);
  const api = statuspage.api;
  const read = {
    getSummary: await api.getSummary(),
    getStatus: await api.getStatus(),
    getComponents: await api.getComponents(),
    "incidents.getAll": await api.incidents.getAll(),
    "incidents.getUnresolved": await api.incidents.getUnresolved(),
    "scheduledMaintenances.getAll": await api.scheduledMaintenances.getAll(),
    "scheduledMaintenances.getUpcoming": await api.scheduledMaintenances.getUpcoming(),
    "scheduledMaintenances.getActive": await api.scheduledMaintenances.getActive(),
  };
  process.stdout.write(JSON.stringify(read));
}

main(process.argv[2]).catch((error) => {
  process.stderr.write(`${error.stack || error}\n`);
  process.exit(1);
});
