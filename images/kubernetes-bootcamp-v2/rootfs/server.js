// The Kubernetes Bootcamp app (the tutorial's sample), rewritten for k8ts' built-in image:
// an HTTP server on 8080 that names the pod it runs in.
var http = require('http');
var version = '2';
var requests = 0;
var host = process.env.HOSTNAME || require('os').hostname();
var startTime;

var server = http.createServer(function (request, response) {
  response.setHeader('Content-Type', 'text/plain');
  response.writeHead(200);
  response.end('Hello Kubernetes bootcamp! | Running on: ' + host + ' | v=' + version + '\n');
  requests++;
  console.log('Running On:', host, '| Total Requests:', requests, '| App Uptime:', (new Date() - startTime) / 1000, 'seconds', '| Log Time:', new Date());
});

server.listen(8080, function () {
  startTime = new Date();
  console.log('Kubernetes Bootcamp App Started At:', startTime, '| Running On: ', host, '\n');
});

// Leave promptly when the pod is deleted instead of waiting for the grace period's SIGKILL.
process.on('SIGTERM', function () { server.close(); process.exit(0); });
