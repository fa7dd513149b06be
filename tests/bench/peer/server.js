'use strict';
/*
 * The benchmark peer: the same job as the C worker, written the way the
 * official ASK SDK for Node.js documents it.  LaunchRequest -> person
 * profile given name (UpsServiceClient.getPersonsProfileGivenName through
 * the SDK's DefaultApiClient) -> "Welcome back, <name>!", behind the
 * express adapter with its SkillRequestSignatureVerifier and
 * TimestampVerifier switched on.
 *
 * Environment (all set by tests/bench/run):
 *   PEER_PORT      TCP port on 127.0.0.1 (plain HTTP; nginx does TLS)
 *   PEER_WORKERS   processes; 1 = no cluster (used for the cold start)
 *   CERTHOST_PORT  where the signing cert download really goes
 *   PEER_TRUST     PEM file of the root the signing chain must reach
 *   NODE_EXTRA_CA_CERTS  the test CA, for the TLS of both mocks
 *
 * Only two things differ from a production deployment, both outside the
 * SDK and both the counterparts of the C worker's cert_fetch_connect_to
 * and cert_trust_file:
 *  1. Connections to s3.amazonaws.com:443 are opened to
 *     127.0.0.1:CERTHOST_PORT instead (the TLS server name and the URL stay
 *     s3.amazonaws.com, the certificate is still checked).  The verifier
 *     downloads with https.get() on the global agent; we wrap that agent's
 *     createConnection.
 *  2. The verifier builds its CA store from tls.rootCertificates (Node's
 *     built-in Mozilla list, which NODE_EXTRA_CA_CERTS does not change)
 *     through helper.generateCAStore; we wrap that export so the store
 *     also holds PEER_TRUST.  Every other check (URL, validity, SAN,
 *     chain, signature, timestamp) runs unchanged.
 */
const cluster = require('cluster');
const fs = require('fs');
const https = require('https');
const os = require('os');

const port = Number(process.env.PEER_PORT || 8081);
const workers = Number(process.env.PEER_WORKERS || os.cpus().length);

if (workers > 1 && cluster.isPrimary) {
	for (let i = 0; i < workers; i++)
		cluster.fork();
	cluster.on('exit', (w, code, sig) => {
		if (!process.exitCode)
			console.error(`peer: worker ${w.process.pid} exited (${code || sig})`);
	});
	const stop = () => {
		process.exitCode = 0;
		for (const id in cluster.workers)
			cluster.workers[id].kill('SIGTERM');
	};
	process.on('SIGTERM', stop);
	process.on('SIGINT', stop);
	return;
}

// 1. The download of https://s3.amazonaws.com/echo.api/... goes to the mock.
const certhostPort = Number(process.env.CERTHOST_PORT || 0);
if (certhostPort) {
	const agent = https.globalAgent;
	const create = agent.createConnection.bind(agent);
	agent.createConnection = (options, cb) => {
		if (options.host === 's3.amazonaws.com' && Number(options.port) === 443)
			options = Object.assign({}, options, {
				host: '127.0.0.1', port: certhostPort,
				servername: 's3.amazonaws.com',
			});
		return create(options, cb);
	};
}

// 2. The chain must end at the test root as well as Node's built-in roots.
if (process.env.PEER_TRUST) {
	const extra = fs.readFileSync(process.env.PEER_TRUST, 'utf8');
	const helper = require('ask-sdk-express-adapter/dist/verifier/helper');
	const generate = helper.generateCAStore;
	helper.generateCAStore = (certs) => generate(certs.concat([extra]));
}

const Alexa = require('ask-sdk-core');
const { ExpressAdapter } = require('ask-sdk-express-adapter');
const express = require('express');

const LaunchRequestHandler = {
	canHandle(input) {
		return Alexa.getRequestType(input.requestEnvelope) === 'LaunchRequest';
	},
	async handle(input) {
		const person = input.requestEnvelope.context.System.person;
		let speech = 'Welcome! What would you like to do?';
		if (person) {
			const ups = input.serviceClientFactory.getUpsServiceClient();
			const name = await ups.getPersonsProfileGivenName();
			speech = `Welcome back, ${name}! What would you like to do?`;
		}
		return input.responseBuilder
			.speak(speech)
			.reprompt('What would you like to do?')
			.getResponse();
	},
};

const ErrorHandler = {
	canHandle() {
		return true;
	},
	handle(input, error) {
		console.error(`peer: ${error.name}: ${error.message}`);
		return input.responseBuilder
			.speak('Sorry, something went wrong.')
			.getResponse();
	},
};

const skill = Alexa.SkillBuilders.custom()
	.addRequestHandlers(LaunchRequestHandler)
	.addErrorHandlers(ErrorHandler)
	.withApiClient(new Alexa.DefaultApiClient())
	.withSkillId(process.env.PEER_SKILL_ID || 'amzn1.ask.skill.00000000-0000-4000-8000-000000000dev')
	.create();

const adapter = new ExpressAdapter(skill, true, true);
const app = express();
app.post('/alexa', adapter.getRequestHandlers());
app.get('/healthz', (req, res) => res.type('text/plain').send('ok\n'));

const server = app.listen(port, '127.0.0.1', () => {
	if (process.send)
		process.send('ready');
});
// nginx keeps its upstream connections open (keepalive upstream).
server.keepAliveTimeout = 65000;
process.on('SIGTERM', () => server.close(() => process.exit(0)));
process.on('SIGINT', () => server.close(() => process.exit(0)));
