import json,sys,collections
t=json.load(open(sys.argv[1]))
ev=t['traceEvents'] if isinstance(t,dict) else t
# find renderer main thread: thread with name CrRendererMain
names={}
for e in ev:
    if e.get('ph')=='M' and e.get('name')=='thread_name':
        names[(e['pid'],e['tid'])]=e['args']['name']
main=[k for k,v in names.items() if v=='CrRendererMain']
# navigation start
nav=[e for e in ev if e.get('name')=='navigationStart']
t0=min(e['ts'] for e in nav) if nav else min(e['ts'] for e in ev if e.get('ts'))
print('main threads',main)
# pick the main thread with most events
cnt=collections.Counter((e['pid'],e['tid']) for e in ev if (e.get('pid'),e.get('tid')) in main)
mt=cnt.most_common(1)[0][0]
top=[e for e in ev if (e.get('pid'),e.get('tid'))==mt and e.get('ph')=='X' and e.get('dur',0)>=3000]
for e in sorted(top,key=lambda e:e['ts']):
    a=e.get('args',{}).get('data',{})
    extra=a.get('url','') or a.get('functionName','') or a.get('stackTrace','') and ''
    print(f"{(e['ts']-t0)/1000:8.1f} {e['dur']/1000:7.1f} {e['name']} {str(extra)[-60:]}")
