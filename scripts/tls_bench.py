import subprocess, time, os, sys, re
T='/tmp/conn-tls'
def cpu(pid):
    f=open(f'/proc/{pid}/stat').read().rsplit(')',1)[1].split()
    return (int(f[11])+int(f[12]))/os.sysconf('SC_CLK_TCK')
def bench(pid, port, tls, n=200000, tests='set,get', clients=50, pipeline=1):
    argv=['redis-benchmark','-h','127.0.0.1','-p',str(port),'-n',str(n),'-c',str(clients),'-P',str(pipeline),'-t',tests,'-q']
    if tls: argv+=['--tls','--cacert',f'{T}/ca.crt','--cert',f'{T}/client.crt','--key',f'{T}/client.key']
    c0=cpu(pid); t0=time.time()
    out=subprocess.run(argv,capture_output=True,text=True).stdout
    c1=cpu(pid); t1=time.time()
    rps=[float(m) for m in re.findall(r'([\d.]+) requests per second', out)]
    total=n*len(tests.split(','))
    return rps, (c1-c0)/total*1e6, out
which=sys.argv[1]
K='/work/wt-conn/build/gcc-release/kora-cli/kora-cli'
if which=='kora':
    p=subprocess.Popen([K,'--port','7610','--workers','2','--tls-port','7611','--tls-cert-file',f'{T}/server.crt','--tls-key-file',f'{T}/server.key','--tls-ca-cert-file',f'{T}/ca.crt'],stdout=subprocess.DEVNULL)
else:
    p=subprocess.Popen(['redis-server','--port','7612','--save','','--appendonly','no','--tls-port','7613','--tls-cert-file',f'{T}/server.crt','--tls-key-file',f'{T}/server.key','--tls-ca-cert-file',f'{T}/ca.crt','--io-threads','1'],stdout=subprocess.DEVNULL)
time.sleep(0.5)
port=7610 if which=='kora' else 7612
for pl in (1,16):
  for tls in (False,True):
    rps,us,out=bench(p.pid, port+ (1 if tls else 0), tls, pipeline=pl, n=200000 if pl==1 else 1000000)
    print(f"{which} {'tls  ' if tls else 'plain'} P={pl}: SET/GET rps {rps}  server CPU {us:.2f} us/request")
p.terminate(); p.wait()
